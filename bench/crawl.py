"""Crawler benchmark: GANime's crawler against gallery-dl and a plain sequential crawler.

    python bench/crawl.py [--posts 2000] [--latency-ms 100] [--concurrency 8]
                          [--default-posts 264] [--loopback-posts 2200] [--tags full_body]
                          [--skip-baseline]

Three sections, each on a local fake Safebooru, each printed as it is written to RESULTS.md:

1. **Defaults**: the app's crawler with its default settings (``CrawlOptions()``: API requests
   paced at the site's polite 1 s, 4 downloads at once per host) against gallery-dl with its
   default settings (the user's other choice), same tags, at ``--latency-ms`` and on bare
   loopback. Targets: >= 3x gallery-dl at latency, >= 1x on loopback.
2. **Rate limit**: the defaults against the fake's ``--rate-limit 2`` (API requests/s): zero
   failed posts and fewer than 2 % of requests answered 429.
3. **Baseline** (``--skip-baseline`` leaves it out): pacing off, ``--concurrency`` downloads,
   against the sequential crawler (offset pages of 100, then each image in turn, keep-alive), all
   ``--posts`` posts, on loopback and at latency.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ganime_gui.core.crawl import CrawlOptions, CrawlQuery, run_crawl  # noqa: E402
from ganime_gui.core.project import Project  # noqa: E402
from ganime_gui.fakebooru.testing import running_fakebooru  # noqa: E402

LIST_KINDS = ("api", "html")
FILE_KINDS = ("file", "sample")


def sequential_crawl(base_url: str, out_dir: Path) -> int:
    """The baseline: offset pages of 100, then each image in turn. Returns images saved."""
    session = requests.Session()
    saved, pid = 0, 0
    while True:
        resp = session.get(f"{base_url}/index.php", params={
            "page": "dapi", "s": "post", "q": "index", "json": 1, "limit": 100, "pid": pid})
        posts = resp.json() if resp.content.strip() else []
        if not posts:
            return saved
        for post in posts:
            data = session.get(post["file_url"]).content
            ext = post["file_url"].rsplit(".", 1)[-1]
            (out_dir / f"{hashlib.md5(data).hexdigest()}.{ext}").write_bytes(data)
            saved += 1
        pid += 1


def measure(booru, label: str, run) -> dict:
    booru.stats.reset()
    t0 = time.perf_counter()
    saved = run()
    seconds = time.perf_counter() - t0
    time.sleep(0.3)  # the server counts a request just after answering it
    kinds = booru.stats.by_kind
    file_paths = [t for _, t, _ in booru.stats.log if t.startswith(("/images/", "/samples/"))]
    repeats = sum(n - 1 for n in collections.Counter(file_paths).values() if n > 1)
    list_requests = sum(kinds[k] for k in LIST_KINDS)
    file_requests = sum(kinds[k] for k in FILE_KINDS)
    return {"label": label, "seconds": seconds, "saved": saved, "posts_s": saved / seconds,
            "list_requests": list_requests, "per_image": file_requests / max(saved, 1),
            "duplicates": repeats}


def run_pair(booru, posts: int, concurrency: int) -> tuple[dict, dict]:
    def ours(tmp: str) -> int:
        project = Project.create(Path(tmp) / "p")
        out = run_crawl(project, "safebooru", CrawlQuery(), base_url=booru.base_url,
                        options=CrawlOptions(concurrency=concurrency, interval_s=0,
                                             downloads_per_host=concurrency))
        assert out.state == "done", out.reason
        return out.stats.downloaded

    with tempfile.TemporaryDirectory(prefix="bench-seq-") as tmp:   # removal is not timed
        seq = measure(booru, "sequential", lambda: sequential_crawl(booru.base_url, Path(tmp)))
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        ganime = measure(booru, "GANime", lambda: ours(tmp))
    assert seq["saved"] == ganime["saved"] == posts, (seq, ganime)
    return seq, ganime


def gallery_dl(base_url: str, tags: str, out_dir: Path) -> int:
    """gallery-dl with its defaults (only the fake named as a gelbooru_v02 instance). Returns
    the files it saved."""
    config = {"extractor": {"base-directory": str(out_dir),
                            "gelbooru_v02": {"fakebooru": {"root": base_url}}}}
    config_path = out_dir / "config.json"
    out_dir.mkdir(parents=True, exist_ok=True)
    config_path.write_text(json.dumps(config))
    exe = shutil.which("gallery-dl", path=str(Path(sys.executable).parent))
    cmd = [exe] if exe else [sys.executable, "-m", "gallery_dl"]
    url = f"{base_url}/index.php?page=post&s=list&tags={tags.replace(' ', '+')}"
    subprocess.run([*cmd, "--config-ignore", "-c", str(config_path), url], check=True,
                   capture_output=True, timeout=1800)
    return sum(1 for p in out_dir.rglob("fakebooru_*"))


def ours_with_defaults(base_url: str, tags: str, folder: Path) -> tuple[int, object]:
    """The app's crawler as a user starts it: default options, a new project in ``folder``."""
    project = Project.create(folder / "p")
    out = run_crawl(project, "safebooru", CrawlQuery(tags=tags.split()), base_url=base_url,
                    options=CrawlOptions())
    assert out.state == "done", out.reason
    return out.stats.downloaded, out


def defaults_section(args) -> tuple[bool, bool]:
    print(f"\n## Defaults: GANime (CrawlOptions()) vs gallery-dl (defaults), tags {args.tags!r}",
          flush=True)
    ok = []
    for latency, posts in ((args.latency_ms, args.default_posts), (0.0, args.loopback_posts)):
        with running_fakebooru("safebooru", posts=posts, seed=1, min_height=256,
                               max_height=512) as booru:
            for post in booru.dataset.posts:
                booru.dataset.file_bytes(post)
            booru.latency_ms = latency
            where = "bare loopback" if not latency else f"{latency:g} ms latency"
            # Each writes into a fresh folder; removing it afterwards is not timed.
            with tempfile.TemporaryDirectory(prefix="bench-gdl-") as tmp:
                gdl = measure(booru, "gallery-dl", lambda: gallery_dl(booru.base_url, args.tags, Path(tmp)))
            with tempfile.TemporaryDirectory(prefix="bench-defaults-") as tmp:
                mine = measure(booru, "GANime",
                               lambda: ours_with_defaults(booru.base_url, args.tags, Path(tmp))[0])
            assert gdl["saved"] == mine["saved"], (gdl, mine)
            ratio = mine["posts_s"] / gdl["posts_s"]
            print(f"{where} ({posts} posts in the fake):")
            for r in (gdl, mine):
                print(f"  {r['label']:<10} {r['posts_s']:8.1f} posts/s  {r['seconds']:7.1f} s  "
                      f"{r['saved']} files  {r['list_requests']:3d} list requests", flush=True)
            print(f"  ratio GANime / gallery-dl: {ratio:.2f}x", flush=True)
            ok.append(ratio >= (3.0 if latency else 1.0))
    return ok[0], ok[1]


def rate_limit_section(args) -> bool:
    print(f"\n## Rate limit: the defaults against the fake's --rate-limit 2 (API requests/s), "
          f"tags {args.tags!r}", flush=True)
    with running_fakebooru("safebooru", posts=args.default_posts, seed=1, min_height=256,
                           max_height=512, rate_limit=2) as booru:
        booru.latency_ms = args.latency_ms
        with tempfile.TemporaryDirectory(prefix="bench-rate-") as tmp:
            t0 = time.perf_counter()
            saved, out = ours_with_defaults(booru.base_url, args.tags, Path(tmp))
            seconds = time.perf_counter() - t0
        time.sleep(0.3)
        total, limited = booru.stats.total, booru.stats.by_status[429]
        share = limited / max(total, 1)
        print(f"  {saved} downloaded, {out.stats.failed} failed, {seconds:.1f} s; {total} requests, "
              f"{limited} answered 429 ({100 * share:.1f} %)", flush=True)
        return out.stats.failed == 0 and share < 0.02


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--default-posts", type=int, default=264,
                        help="posts in the fake at latency and for the rate limit (about 232 "
                             "full_body posts, as in issue 13)")
    parser.add_argument("--loopback-posts", type=int, default=2200,
                        help="posts in the fake on bare loopback (about 1 930 full_body posts)")
    parser.add_argument("--tags", default="full_body")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args()
    with open("/proc/loadavg") if os.path.exists("/proc/loadavg") else open(os.devnull) as fh:
        print(f"load average at the start: {fh.read().strip() or 'n/a'}", flush=True)
    at_latency, on_loopback = defaults_section(args)
    polite = rate_limit_section(args)
    print(f"\ntargets: defaults >= 3x gallery-dl at latency: {'met' if at_latency else 'NOT met'}; "
          f">= 1x on loopback: {'met' if on_loopback else 'NOT met'}; rate limit 0 failed and "
          f"< 2 % 429: {'met' if polite else 'NOT met'}", flush=True)
    ok = at_latency and on_loopback and polite
    if args.skip_baseline:
        return 0 if ok else 1
    print(f"\n## Baseline: pacing off, {args.concurrency} downloads, vs the sequential crawler, "
          f"{args.posts} posts", flush=True)
    rows = []
    with running_fakebooru("safebooru", posts=args.posts, seed=1, min_height=256,
                           max_height=512) as booru:
        t0 = time.perf_counter()
        for post in booru.dataset.posts:   # draw every picture once, outside the timings
            booru.dataset.file_bytes(post)
        print(f"fake booru: {args.posts} posts drawn in {time.perf_counter() - t0:.1f} s", flush=True)
        for latency in (0.0, args.latency_ms):
            booru.latency_ms = latency
            seq, ganime = run_pair(booru, args.posts, args.concurrency)
            rows.append((latency, seq, ganime))
            where = "bare loopback" if not latency else f"{latency:g} ms latency"
            print(f"\n{where}:")
            for r in (seq, ganime):
                print(f"  {r['label']:<10} {r['posts_s']:8.1f} posts/s  {r['seconds']:7.1f} s  "
                      f"{r['list_requests']:3d} list requests  {r['per_image']:.3f} requests/image  "
                      f"{r['duplicates']} duplicates", flush=True)
            print(f"  ratio GANime / sequential: {ganime['posts_s'] / seq['posts_s']:.2f}x", flush=True)
    base_ok = all(g["per_image"] <= 1.02 and g["duplicates"] == 0 for _, _, g in rows)
    base_ok &= rows[0][2]["posts_s"] >= rows[0][1]["posts_s"]
    base_ok &= rows[1][2]["posts_s"] >= 4 * rows[1][1]["posts_s"]
    print("\nbaseline targets (>=4x at latency, >= baseline on loopback, <=1.02 req/image, "
          "0 duplicates):", "met" if base_ok else "NOT met")
    return 0 if ok and base_ok else 1


if __name__ == "__main__":
    sys.exit(main())
