"""Run a fake booru in-process for a test or a benchmark.

    with running_fakebooru("safebooru", posts=200, seed=1, faults="429=5") as booru:
        requests.get(booru.base_url + "/index.php?page=dapi&s=post&q=index&json=1")
        booru.stats["api"]           # requests per kind
        booru.set_faults("503=2")    # or None; counters restart
        booru.latency_ms = 100       # and .bandwidth_kbps, .rate_limit, .options.deep_limit

The object yielded is the :class:`~ganime_gui.fakebooru.server.FakeBooruServer` itself, serving
from a daemon thread on a free port of 127.0.0.1. Pictures default to 96-200 px tall here so
tests stay fast; pass ``min_height``/``max_height`` for the real 500-1500.
"""
from __future__ import annotations

import contextlib
from typing import Iterator

from ganime_gui.fakebooru.server import FakeBooruServer

TEST_MIN_HEIGHT = 96
TEST_MAX_HEIGHT = 200


@contextlib.contextmanager
def running_fakebooru(profile: str = "safebooru", posts: int = 200, seed: int = 1,
                      faults: str | None = None, **options) -> Iterator[FakeBooruServer]:
    """Options are :class:`FakeBooruServer`'s keywords: ``latency_ms``, ``bandwidth_kbps``,
    ``deep_limit``, ``max_limit``, ``rate_limit``, ``max_file_connections``, ``min_height``,
    ``max_height``, ``api_user``,
    ``api_key``, ``api_level`` (danbooru: "gold" or "member"), ``port``."""
    options.setdefault("min_height", TEST_MIN_HEIGHT)
    options.setdefault("max_height", TEST_MAX_HEIGHT)
    server = FakeBooruServer(profile, posts, seed, faults=faults, **options).start()
    try:
        yield server
    finally:
        server.shutdown()
