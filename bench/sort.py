"""Sort tab benchmark on 20 000 synthetic images (the fake booru's generator).

    python bench/sort.py [--count 20000] [--cache ~/.cache/ganime-bench] [--write-results]

Measures, offscreen, with the real SortTab:
  * time to the first screen of thumbnails, cold (empty thumbnail cache) and warm (on disk);
  * thumbnails per second through the grid's loader (QThreadPool, every core), cold and warm,
    against a naive full-decode Pillow baseline on the same number of threads in the same run;
  * keypress (label key) → the next image shown with its thumbnail: p50 and p95;
  * resident memory with the grid open, after scrolling through the whole queue.
Targets: >= 100 cold and >= 1000 warm thumbnails/s, keypress p50 <= 16 ms and p95 <= 50 ms,
<= 600 MB resident.

Generating 20 000 pictures takes minutes, so they are written once into the cache folder (outside
the repository) and reused; each run builds a fresh project from them with hard links.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ganime_gui.core.project import Project  # noqa: E402
from ganime_gui.fakebooru.fixtures import catalog_generated  # noqa: E402
from ganime_gui.ui.context import AppContext  # noqa: E402
from ganime_gui.ui.sort_tab import SortTab  # noqa: E402
from ganime_gui.ui.widgets.thumb_grid import ThumbKey  # noqa: E402

SAMPLE = 600          # thumbnails per throughput measurement
KEYPRESSES = 300


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def generated_images(cache: Path, count: int) -> tuple[Path, Path]:
    folder = cache / f"sort-{count}-s1"
    csv_path = folder / "ground_truth.csv"
    if not (folder / "DONE").exists():
        # In a child process, so the generator's memory does not count as the grid's.
        print(f"generating {count} pictures into {folder} (once) ...", flush=True)
        code = ("import sys; from ganime_gui.fakebooru.figures import write_image_folder; "
                "write_image_folder(sys.argv[1], int(sys.argv[2]), seed=1, "
                "near_duplicates=int(sys.argv[2]) // 100, upper_body=0.0)")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code, str(folder), str(count)], check=True, cwd=ROOT)
        (folder / "DONE").write_text(f"{time.perf_counter() - start:.1f}")
    return folder, csv_path


def wait(app, condition, timeout_s: float = 120.0) -> bool:
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            return False
        app.processEvents()
        time.sleep(0.0005)
    return True


def visible_rows(tab: SortTab) -> range:
    view = tab.view
    cell = view.gridSize()
    start = max(0, view.indexAt(QPoint(cell.width() // 2, cell.height() // 2)).row())
    return range(start, min(start + view.page_size(), tab.model.rowCount()))


def screen_loaded(tab: SortTab) -> bool:
    return all(tab.loader.image(ThumbKey(tab.model.rows[r].md5, tab.model.bucket)) is not None
               for r in visible_rows(tab))


def time_first_screen(app, tab: SortTab) -> float:
    """From rebuilding the queue (20 000 rows from the catalog) to every visible cell drawn
    with its thumbnail."""
    start = time.perf_counter()
    tab.reload()
    tab.view.viewport().repaint()
    if not wait(app, lambda: screen_loaded(tab)):
        raise RuntimeError("first screen never finished loading")
    return time.perf_counter() - start


def loader_throughput(app, tab: SortTab, rows: range) -> float:
    """Thumbnails per second through the grid's own loader for these rows."""
    loader, model = tab.loader, tab.model
    wanted = {ThumbKey(model.rows[r].md5, model.bucket):
              tab.context.project.abspath(model.rows[r].path) for r in rows}
    remaining = {k for k in wanted if loader.image(k) is None}
    loader.loaded.connect(remaining.discard)
    loader.failed.connect(remaining.discard)
    last_ask = [0.0]

    def done() -> bool:
        # The loader drops the oldest requests beyond MAX_PENDING (scrolled past); a repaint
        # would ask again, so ask again for what is still missing now and then.
        if time.perf_counter() - last_ask[0] > 0.05:
            last_ask[0] = time.perf_counter()
            for k in list(remaining)[:100]:
                loader.request(k, wanted[k])
        return not remaining

    start = time.perf_counter()
    for k, source in wanted.items():
        loader.request(k, source)
    try:
        if not wait(app, done):
            raise RuntimeError("loader never finished")
    finally:
        loader.loaded.disconnect(remaining.discard)
        loader.failed.disconnect(remaining.discard)
    return len(wanted) / (time.perf_counter() - start)


def naive_baseline(paths: list[Path], size: int, threads: int) -> float:
    """Full decode, then resize: what a first attempt does."""
    def one(path: Path) -> None:
        with Image.open(path) as img:
            img.convert("RGB").resize((size, size), Image.Resampling.LANCZOS)

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, paths))
    return len(paths) / (time.perf_counter() - start)


def keypress_latency(app, tab: SortTab, presses: int) -> list[float]:
    """Press a label key and time until the next image is painted with its thumbnail."""
    painted: dict[str, object] = {}
    tab.view.delegate.on_painted = lambda row, had_image: painted.__setitem__(row, had_image)
    times = []
    for i in range(presses):
        target = tab.current_row() + 1
        painted.clear()
        start = time.perf_counter()
        QTest.keyClick(tab.view, Qt.Key.Key_1 if i % 2 else Qt.Key.Key_2)
        if not wait(app, lambda: painted.get(target) is True, 10):
            raise RuntimeError(f"row {target} was never shown")
        times.append((time.perf_counter() - start) * 1000)
    tab.view.delegate.on_painted = None
    return times


def scroll_through(app, tab: SortTab) -> None:
    """Page down through the whole queue, waiting for each screen: fills the memory cache."""
    bar = tab.view.verticalScrollBar()
    step = max(1, bar.pageStep())
    for value in range(0, bar.maximum() + step, step * 8):
        bar.setValue(value)
        tab.view.viewport().repaint()
        wait(app, lambda: screen_loaded(tab), 60)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "ganime-bench")
    parser.add_argument("--write-results", action="store_true",
                        help="replace the Sort section of bench/RESULTS.md")
    parser.add_argument("--screenshot", type=Path,
                        help="only save a screenshot of the Sort tab (240 pictures) to this file")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    if args.screenshot:
        save_screenshot(app, args.cache, args.screenshot)
        return 0
    gen_dir, csv_path = generated_images(args.cache, args.count)
    work = Path(tempfile.mkdtemp(prefix="ganime-sort-bench-"))
    try:
        project = Project.create(work / "project")
        start = time.perf_counter()
        with project.open_catalog() as catalog:
            catalog_generated(project, catalog, gen_dir, csv_path, link=True)
        catalog_s = time.perf_counter() - start
        context = AppContext()
        context.set_project(project)
        tab = SortTab(context)
        tab.resize(1280, 800)
        tab.show()
        app.processEvents()
        threads = tab.loader.pool.max_threads
        results: dict[str, float] = {"images": args.count, "threads": threads,
                                     "generated_s": float((gen_dir / "DONE").read_text()),
                                     "catalog_s": catalog_s, "load_avg": os.getloadavg()[0]}

        results["rss_start_mb"] = rss_mb()
        results["first_screen_cold_s"] = time_first_screen(app, tab)
        results["rss_first_screen_mb"] = rss_mb()
        results["visible_cells"] = len(visible_rows(tab))
        # Rows past the first screens; a smaller --count (3 000 at least) moves them forward.
        start = min(2000, args.count - SAMPLE - SAMPLE // 2 - 1)
        sample = range(start, start + SAMPLE)
        results["cold_thumbs_per_s"] = loader_throughput(app, tab, sample)
        paths = [project.abspath(tab.model.rows[r].path)
                 for r in range(start + SAMPLE, start + SAMPLE + SAMPLE // 2)]
        results["rss_after_cold_mb"] = rss_mb()
        results["naive_thumbs_per_s"] = naive_baseline(paths, tab.model.bucket, threads)
        results["rss_after_naive_mb"] = rss_mb()

        tab.loader.reset(project.thumbs_dir)   # memory cache gone, disk cache kept
        results["first_screen_warm_s"] = time_first_screen(app, tab)
        tab.loader.reset(project.thumbs_dir)
        results["warm_thumbs_per_s"] = loader_throughput(app, tab, sample)

        tab.set_current(0)
        # Thumbnails along the way are on disk (warm) as in a sitting after the first screens.
        loader_throughput(app, tab, range(0, KEYPRESSES + 60))
        times = keypress_latency(app, tab, KEYPRESSES)
        results["keypress_p50_ms"] = statistics.median(times)
        results["keypress_p95_ms"] = percentile(times, 95)
        results["keypress_max_ms"] = max(times)
        results["rss_grid_open_mb"] = rss_mb()
        scroll_through(app, tab)
        results["rss_after_scrolling_all_mb"] = rss_mb()
        context.catalog.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print({k: round(v, 3) if isinstance(v, float) else v for k, v in results.items()})
    report = format_report(results)
    print(report)
    if args.write_results:
        write_section(ROOT / "bench" / "RESULTS.md", "## Sort", report)
    return 0


def save_screenshot(app, cache: Path, out: Path) -> None:
    """The Sort tab on generated pictures with crawl tags, some labels and a selection."""
    from ganime_gui.fakebooru.fixtures import attach_post

    gen_dir, csv_path = generated_images(cache, 240)
    work = Path(tempfile.mkdtemp(prefix="ganime-sort-shot-"))
    try:
        project = Project.create(work / "Chibi or not")
        with project.open_catalog() as catalog:
            rows = catalog_generated(project, catalog, gen_dir, csv_path, link=True)
            for i, row in enumerate(rows):
                attach_post(catalog, row["file_id"], 9000 + i, row["tags"].split())
            # A sitting in progress: the first images labelled by their ground truth.
            for row in rows[:13]:
                catalog.apply_label_changes("chibi", [row["file_id"]],
                                            "chibi" if row["chibi"] else "not_chibi")
        context = AppContext()
        context.set_project(project)
        tab = SortTab(context)
        tab.resize(1280, 760)
        tab.show()
        tab.view.set_thumb_px(180)
        tab.set_current(13)
        tab.view.selectionModel().select(tab.model.index(15),
                                         tab.view.selectionModel().SelectionFlag.Select)
        tab.pace.record(13)
        tab._update_progress()
        tab.view.viewport().repaint()
        wait(app, lambda: screen_loaded(tab), 60)
        app.processEvents()
        out.parent.mkdir(parents=True, exist_ok=True)
        tab.grab().save(str(out))
        print(f"saved {out}")
        context.catalog.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def format_report(r: dict) -> str:
    def ok(value, target, higher=True):
        return "✓" if (value >= target if higher else value <= target) else "✗"

    cpu = platform.processor() or platform.machine()
    return "\n".join([
        f"`python bench/sort.py` — {r['images']:,} generated pictures (500–1500 px tall, png/jpg/gif; "
        f"generated once into a cache folder outside the repository, ~{r['generated_s'] / 60:.0f} min "
        f"here, then hard-linked into a fresh project each run), "
        f"{os.cpu_count()} cores ({cpu}), offscreen, grid 1280×800 at 160 px cells "
        f"({r['visible_cells']} visible), loader on {r['threads']} threads. "
        f"Cataloguing the files took {r['catalog_s']:.1f} s. Load average at the start: "
        f"{r['load_avg']:.1f} (other work shares these cores; rerun on a quiet machine for "
        f"stable figures).",
        "",
        "| measure | result | target |",
        "|---|---|---|",
        f"| first screen of thumbnails, cold cache | {r['first_screen_cold_s'] * 1000:.0f} ms | |",
        f"| first screen of thumbnails, warm cache | {r['first_screen_warm_s'] * 1000:.0f} ms | |",
        f"| thumbnails/s cold (decode + scale + cache write) | {r['cold_thumbs_per_s']:.0f} | ≥ 100 "
        f"{ok(r['cold_thumbs_per_s'], 100)} |",
        f"| naive Pillow baseline, same threads (full decode + resize) | "
        f"{r['naive_thumbs_per_s']:.0f} | |",
        f"| thumbnails/s warm (from the disk cache) | {r['warm_thumbs_per_s']:.0f} | ≥ 1000 "
        f"{ok(r['warm_thumbs_per_s'], 1000)} |",
        f"| keypress → next image shown, p50 | {r['keypress_p50_ms']:.1f} ms | ≤ 16 "
        f"{ok(r['keypress_p50_ms'], 16, False)} |",
        f"| keypress → next image shown, p95 | {r['keypress_p95_ms']:.1f} ms | ≤ 50 "
        f"{ok(r['keypress_p95_ms'], 50, False)} |",
        f"| keypress worst of {KEYPRESSES} | {r['keypress_max_ms']:.1f} ms | |",
        f"| resident memory, grid open | {r['rss_grid_open_mb']:.0f} MB | ≤ 600 "
        f"{ok(r['rss_grid_open_mb'], 600, False)} |",
        f"| resident memory after scrolling through all | {r['rss_after_scrolling_all_mb']:.0f} MB | "
        f"≤ 600 {ok(r['rss_after_scrolling_all_mb'], 600, False)} |",
        "",
        "Keypress: a label key sent to the grid (commit to SQLite, badge, move on) until the next "
        "cell is painted with its thumbnail, thumbnails on disk as after the first screens. "
        "Cold: Pillow `draft` (JPEG) / `reduce` decoding to the 256 px bucket plus a JPEG "
        "write to the cache; the baseline decodes every pixel and resizes. On a machine "
        "shared with other work the figures move between runs; compare runs made together.",
    ])


def write_section(path: Path, heading: str, body: str) -> None:
    """Replace (or append) one '## ' section of the results file, leaving the others alone."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == heading), None)
    new = [heading, "", *body.splitlines(), ""]
    if start is None:
        lines += ["", *new]
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        lines[start:end] = new
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
