"""Classifier benchmark on synthetic figures (the fake booru's generator), CPU, one run.

    python bench/classifier.py [--images 256] [--size 128] [--backbone vgg16] [--write-results]

Measures, on the same data and the same model (VGG16 with the seed's 15 frozen layers,
``weights=None`` so nothing downloads):
  * epoch time training on the frozen-feature cache vs end to end (the seed's way), target >= 5x;
    end to end is shown with the pixels decoded once and kept in memory (what the app does) and with
    the decoding counted in every epoch (what the seed's directory loader did); the one-off feature
    extraction is reported separately; epoch 1 (tracing) is left out of both sides;
  * Apply images/s (tf.data, batched) vs a one-image-at-a-time float32 ``model.predict`` loop,
    target >= 5x; Apply in float32 and with its automatic precision (bfloat16 for VGG16 where the
    CPU has native bfloat16), with the two's largest score difference and argmax agreement;
  * the effect of TensorFlow's thread pools: ``predict`` images/s with TF's defaults vs intra-op
    threads = core count (each in a fresh process: pools are fixed once TF runs an op);
  * with ``--ui``: the Qt event loop's longest stall while the Train tab trains, target < 50 ms.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402


def make_items(folder: Path, count: int, seed: int = 3) -> list[tuple[str, str]]:
    from ganime_gui.fakebooru.fixtures import chibi_figure_items

    return chibi_figure_items(folder, count, seed, min_height=160, max_height=260)


def threads_probe(mode: str, size: int, batches: int) -> None:
    """Child process: predict images/s for VGG16 with TF's default pools or the app's settings."""
    if mode == "default":
        import tensorflow as tf  # noqa: F401  (TF's own defaults)
    else:
        from ganime_gui.core.tfsetup import import_tensorflow

        # "oversubscribed": what TF does where it counts the host's cores but may use only two
        # (containers, CPU affinity): more threads than cores
        import_tensorflow(8, 8) if mode == "oversubscribed" else import_tensorflow()
    import keras

    model = keras.applications.VGG16(weights=None, include_top=False, input_shape=(size, size, 3))
    x = np.random.default_rng(0).uniform(0, 255, (32, size, size, 3)).astype(np.float32)
    model.predict(x, verbose=0)
    t = time.perf_counter()
    for _ in range(batches):
        model.predict(x, verbose=0)
    rate = 32 * batches / (time.perf_counter() - t)
    import tensorflow as tf

    print(json.dumps({"mode": mode, "images_per_s": rate,
                      "intra": tf.config.threading.get_intra_op_parallelism_threads(),
                      "inter": tf.config.threading.get_inter_op_parallelism_threads()}))


def run_threads_probe(mode: str, size: int, batches: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--threads-probe", mode, "--size", str(size),
                          "--probe-batches", str(batches)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def decode_seconds(paths: list[str], size: int) -> float:
    """What decoding every image once costs: the seed's loader paid this in every epoch."""
    from ganime_gui.core.classify.features import gather_pixels

    gather_pixels(paths[:64], size)[0].close()  # warm: imports, file cache
    t = time.perf_counter()
    gather_pixels(paths, size)[0].close()
    return time.perf_counter() - t


def bench_training(items, work: Path, backbone: str, size: int, epochs: int) -> dict:
    """``backbone`` may carry a frozen depth (``vgg16:19`` freezes VGG16's whole conv base) and
    ``+bf16`` (both sides train in mixed bfloat16, ``TrainConfig.mixed_precision``)."""
    backbone, _, mixed = backbone.partition("+")
    backbone, _, frozen = backbone.partition(":")
    from ganime_gui.core.classify.backbones import BACKBONES
    from ganime_gui.core.classify.features import PrepareProgress
    from ganime_gui.core.classify.train import TrainConfig, train_classifier

    # random weights stand in for ImageNet's here, frozen as they would be (from scratch freezes nothing)
    default_frozen = BACKBONES[backbone].default_frozen
    frozen_layers = int(frozen) if frozen else (10**6 if default_frozen is None else default_frozen)
    out = {"decode_s": decode_seconds([p for p, _ in items], size)}
    for cached in (True, False):
        phases: dict[str, float] = {}
        t0 = time.perf_counter()

        def progress(done, total, message="", **extra):
            if isinstance(extra.get("event"), PrepareProgress) and done == total and total:
                phases["prepare_s"] = time.perf_counter() - t0

        cfg = TrainConfig(backbone=backbone, weights=None, input_size=size, epochs=epochs, batch_size=32,
                          frozen_layers=frozen_layers, use_feature_cache=cached, flip_augment=False,
                          mixed_precision=mixed == "bf16", early_stopping_patience=0)
        result = train_classifier(items, cfg, models_dir=work / "models", cache_dir=work / "cache",
                                  model_name=f"bench-{backbone}-{frozen or 'default'}-{mixed or 'f32'}-"
                                             f"{'cached' if cached else 'e2e'}",
                                  progress=progress)
        # epoch 1 includes tracing; later epochs are the steady state
        steady = [h["epoch_s"] for h in result.history[1:]] or [result.history[0]["epoch_s"]]
        out["cached" if cached else "end_to_end"] = {
            "epoch_s": float(np.median(steady)), "first_epoch_s": result.history[0]["epoch_s"],
            "prepare_s": phases.get("prepare_s", float("nan")), "total_s": time.perf_counter() - t0,
            "val_accuracy": result.metadata["val_accuracy"], "model_path": str(result.model_path),
            "frozen_layers": result.metadata["frozen_layers"]}
    return out


def bench_apply(model_path: str, paths: list[str], size: int, loop_images: int) -> dict:
    from ganime_gui.core.classify.apply import apply_classifier, predict_one_by_one
    from ganime_gui.core.classify.models import load_keras_model

    net = load_keras_model(model_path)
    out: dict = {"images": len(paths)}
    results = {}
    for precision in ("float32", "auto"):
        apply_classifier(model_path, paths[:32], keras_model=net, precision=precision)  # warm-up: tracing
        t = time.perf_counter()
        result = apply_classifier(model_path, paths, keras_model=net, batch_size=32, precision=precision)
        out[f"apply_{precision}_images_per_s"] = len(result.paths) / (time.perf_counter() - t)
        results[precision] = result
    out["auto_precision"] = results["auto"].precision
    p32, pa = results["float32"].probabilities, results["auto"].probabilities
    out["max_score_diff"] = float(np.abs(p32 - pa).max())
    out["argmax_agreement"] = float(np.mean(p32.argmax(1) == pa.argmax(1)))
    predict_one_by_one(net, paths[:2], size)
    t = time.perf_counter()
    predict_one_by_one(net, paths[:loop_images], size)
    out["loop_images_per_s"] = loop_images / (time.perf_counter() - t)
    return out


def bench_ui_stall(work: Path, images: int, size: int, epochs: int) -> dict:
    """Longest gap between 5 ms timer ticks of the Qt event loop while the Train tab trains.

    The tiny CNN reports the most batches per second, so it loads the UI the most (per-batch
    progress signals, plot refreshes); the training itself runs in a worker thread.
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from ganime_gui.fakebooru.fixtures import labelled_figure_project
    from ganime_gui.ui.context import AppContext
    from ganime_gui.ui.train_tab import TrainTab

    app = QApplication.instance() or QApplication([])
    project, _ = labelled_figure_project(work / "ui", images, 5, min_height=96, max_height=140)
    context = AppContext()
    context.set_project(project)
    tab = TrainTab(context)
    tab.resize(1400, 880)
    tab.show()
    tab.set_form(label_set="chibi", backbone="tiny_cnn", weights="none", size=size, batch=16, epochs=epochs,
                 patience=0)
    gaps: list[float] = []
    last = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    tab.run.train_button.click()
    batches = []
    from ganime_gui.core.classify.train import BatchEnd

    tab.train_worker.progress.connect(
        lambda d, t, m, e: batches.append(1) if isinstance(e.get("event"), BatchEnd) else None)
    # measure from the first batch on: model building and the first trace run before it
    while not batches and tab.train_worker.is_running():
        app.processEvents()
        time.sleep(0.002)
    t0 = time.perf_counter()
    last[0] = t0
    timer.start()
    while tab.train_worker is not None and tab.train_worker.is_running():
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    duration = time.perf_counter() - t0
    if not batches:
        raise SystemExit(f"training did not run: {tab.run.status_label.text()}")
    context.jobs.stop_all()
    context.set_project(None)
    stalls_ms = np.array(gaps[1:] or [0.0]) * 1000 - 5.0
    return {"max_stall_ms": float(stalls_ms.max()), "p99_stall_ms": float(np.percentile(stalls_ms, 99)),
            "ticks": len(gaps), "batches": len(batches), "seconds": duration}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=256)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--backbones", default="vgg16,vgg16+bf16,vgg16:19,mobilenet_v2",
                    help="comma-separated, each NAME, NAME:FROZEN, optionally +bf16 (train in mixed "
                         "bfloat16); by default VGG16 keeps the seed's 15 frozen layers and the others "
                         "freeze the whole backbone")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--loop-images", type=int, default=48)
    ap.add_argument("--probe-batches", type=int, default=4)
    ap.add_argument("--probe-rounds", type=int, default=3, help="alternations of the thread-pool probes")
    ap.add_argument("--ui", action="store_true", help="also measure the UI stall while training")
    ap.add_argument("--only-ui", action="store_true", help="only the UI stall (quick)")
    ap.add_argument("--write-results", action="store_true",
                    help="update the Classifier section of bench/RESULTS.md")
    ap.add_argument("--threads-probe", choices=["default", "configured", "oversubscribed"],
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.threads_probe:
        threads_probe(args.threads_probe, args.size, args.probe_batches)
        return 0

    from ganime_gui.core.tfsetup import cpu_count

    if args.only_ui:
        with tempfile.TemporaryDirectory(prefix="ganime-bench-ui-") as tmp:
            print(json.dumps(bench_ui_stall(Path(tmp), 400, 64, 4)))
        return 0
    figures = {}
    # Alternate the settings and keep each one's best: other load on the machine comes and goes.
    probes = [run_threads_probe(mode, args.size, args.probe_batches)
              for mode in ("default", "configured", "oversubscribed") * args.probe_rounds]
    figures["threads_all"] = {mode: sorted(round(p["images_per_s"], 1) for p in probes if p["mode"] == mode)
                              for mode in ("default", "configured", "oversubscribed")}
    figures["threads_default"] = max((p for p in probes if p["mode"] == "default"),
                                     key=lambda p: p["images_per_s"])
    figures["threads_configured"] = max((p for p in probes if p["mode"] == "configured"),
                                        key=lambda p: p["images_per_s"])
    figures["threads_over"] = max((p for p in probes if p["mode"] == "oversubscribed"),
                                  key=lambda p: p["images_per_s"])
    with tempfile.TemporaryDirectory(prefix="ganime-bench-clf-") as tmp:
        work = Path(tmp)
        items = make_items(work / "figures", args.images)
        backbones = args.backbones.split(",")
        figures["training"] = {b: bench_training(items, work, b, args.size, args.epochs) for b in backbones}
        figures["apply"] = {b: bench_apply(figures["training"][b]["cached"]["model_path"],
                                           [p for p, _ in items],
                                           args.size, args.loop_images)
                            for b in backbones if ":" not in b and "+" not in b}
        if args.ui:
            figures["ui"] = bench_ui_stall(work, 400, 64, 4)
    td, tc = figures["threads_default"], figures["threads_configured"]
    thread_ratio = tc["images_per_s"] / td["images_per_s"]
    lines = [
        f"Machine: {platform.processor() or platform.machine()}, {cpu_count()} usable cores, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the end "
        f"(other jobs share the cores); weights=None at {args.size} px, "
        f"{args.images} synthetic figures (80% train), batch 32.",
        "",
        "| measure | figure | target |",
        "|---|---|---|",
    ]
    for name, tr in figures["training"].items():
        e2e, cached, decode = tr["end_to_end"]["epoch_s"], tr["cached"]["epoch_s"], tr["decode_s"]
        way = "the seed's way" if "+" not in name else "the seed's way but in bfloat16"
        lines += [
            f"| {name} ({tr['cached']['frozen_layers']} layers frozen): epoch, end to end, pixels "
            f"decoded once and kept in memory | {e2e:.2f} s | |",
            f"| {name}: epoch, end to end decoding every image every epoch ({way}; decoding "
            f"{decode:.2f} s) | {e2e + decode:.2f} s | |",
            f"| {name}: epoch, on the frozen-feature cache | {cached:.3f} s | |",
            f"| {name}: epoch speed-up vs pixels in memory | {e2e / cached:.1f}x | |",
            f"| **{name}: epoch speed-up vs {way}** | **{(e2e + decode) / cached:.1f}x** | >= 5x |",
        ]
        base = figures["training"].get(name.partition("+")[0]) if "+" in name else None
        if base is not None:
            seed_way = base["end_to_end"]["epoch_s"] + base["decode_s"]
            lines += [f"| **{name}: cached epoch in bfloat16 vs the seed's way in float32** | "
                      f"**{seed_way / cached:.1f}x** | >= 5x |"]
        lines += [
            f"| {name}: one-off feature extraction (cold cache) | " + (
                f"{tr['cached']['prepare_s']:.1f} s | |"
                if tr['cached']['prepare_s'] == tr['cached']['prepare_s']
                else "none: the float32 run above filled the cache | |"),
            f"| {name}: whole {args.epochs}-epoch run incl. build, extraction, save: cached / end to end | "
            f"{tr['cached']['total_s']:.1f} s / {tr['end_to_end']['total_s']:.1f} s | |",
        ]
    for name, ap_ in figures["apply"].items():
        loop = ap_["loop_images_per_s"]
        auto = ap_["auto_precision"]
        lines += [
            f"| {name}: one-image float32 `model.predict` loop (the seed's way) | {loop:.1f} images/s | |",
            f"| {name}: Apply in float32 (tf.data, batches of 32) | {ap_['apply_float32_images_per_s']:.1f} "
            f"images/s ({ap_['apply_float32_images_per_s'] / loop:.1f}x) | |",
        ]
        if auto != "float32":
            lines.append(
                f"| {name}: Apply, automatic precision ({auto}) vs float32 Apply: largest score difference, "
                f"argmax agreement | {ap_['max_score_diff']:.4f}, {ap_['argmax_agreement']:.1%} | |")
        lines.append(f"| **{name}: Apply speed-up ({auto}, the app's default)** | "
                     f"**{ap_['apply_auto_images_per_s'] / loop:.1f}x** "
                     f"({ap_['apply_auto_images_per_s']:.1f} images/s) | >= 5x |")
    lines += [
        f"| VGG16 predict, TF default pools (intra {td['intra'] or 'auto'}, inter {td['inter'] or 'auto'}) | "
        f"{td['images_per_s']:.1f} images/s | |",
        f"| VGG16 predict, app's pools (intra {tc['intra']}, inter {tc['inter']}) | "
        f"{tc['images_per_s']:.1f} images/s ({thread_ratio:.2f}x) | |",
        f"| VGG16 predict, 8 intra / 8 inter threads on these cores (oversubscribed) | "
        f"{figures['threads_over']['images_per_s']:.1f} images/s | |",
        f"| every thread-pool probe (images/s, sorted): default / app's / oversubscribed | "
        f"{figures['threads_all']['default']} / {figures['threads_all']['configured']} / "
        f"{figures['threads_all']['oversubscribed']} | |",
    ]
    if "ui" in figures:
        ui = figures["ui"]
        lines.append(f"| UI event loop, longest stall while the Train tab trains (tiny CNN 64 px, "
                     f"{ui['batches']} batches in {ui['seconds']:.0f} s, {ui['ticks']} timer ticks) | "
                     f"{ui['max_stall_ms']:.1f} ms (p99 {ui['p99_stall_ms']:.1f} ms) | < 50 ms |")
    text = "\n".join(lines)
    print(text)
    if args.write_results:
        write_results(text)
    return 0


def write_results(body: str) -> None:
    """Replace only the '## Classifier' section of bench/RESULTS.md (other sections belong to others)."""
    path = ROOT / "bench" / "RESULTS.md"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    section = f"## Classifier\n\n`python bench/classifier.py --ui --write-results`, {stamp}.\n\n{body}\n"
    lines = old.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == "## Classifier"), None)
    if start is None:
        new = old.rstrip("\n") + "\n\n" + section
    else:
        end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
        new = "".join(lines[:start]) + section + ("\n" if end < len(lines) else "") + "".join(lines[end:])
    path.write_text(new, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
