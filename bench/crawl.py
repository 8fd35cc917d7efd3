"""Crawler benchmark: GANime's crawler against a plain sequential crawler, on the fake booru.

    python bench/crawl.py [--posts 2000] [--latency-ms 100] [--concurrency 8]

Both crawl the same ``--posts`` posts from a local fake Safebooru, politeness off, twice: on bare
loopback and with the fake's per-request latency (a far-away site). The sequential baseline is
what the common command-line tools do: one list request per page of 100 (offset paging), then one
request per image, one at a time, on a keep-alive session. Prints posts/s for both and the ratio,
HTTP requests per downloaded image beside the list pages, and duplicate downloads.
"""
from __future__ import annotations

import argparse
import collections
import hashlib
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
    def ours() -> int:
        with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
            project = Project.create(Path(tmp) / "p")
            out = run_crawl(project, "safebooru", CrawlQuery(), base_url=booru.base_url,
                            options=CrawlOptions(concurrency=concurrency, interval_s=0))
            assert out.state == "done", out.reason
            return out.stats.downloaded

    def baseline() -> int:
        with tempfile.TemporaryDirectory(prefix="bench-seq-") as tmp:
            return sequential_crawl(booru.base_url, Path(tmp))

    seq = measure(booru, "sequential", baseline)
    ganime = measure(booru, "GANime", ours)
    assert seq["saved"] == ganime["saved"] == posts, (seq, ganime)
    return seq, ganime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=100)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
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
    ok = all(g["per_image"] <= 1.02 and g["duplicates"] == 0 for _, _, g in rows)
    ok &= rows[0][2]["posts_s"] >= rows[0][1]["posts_s"]
    ok &= rows[1][2]["posts_s"] >= 4 * rows[1][1]["posts_s"]
    print("\ntargets (>=4x at latency, >= baseline on loopback, <=1.02 req/image, 0 duplicates):",
          "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
