"""The fake booru behind ``ganime --demo``: a safebooru-like site on a free port of 127.0.0.1,
served from daemon threads, so a new user can try every tab offline."""
from __future__ import annotations

import threading

from ganime_gui.fakebooru.server import FakeBooruServer

DEMO_POSTS = 2000
# The query the original GANime-FullBody crawl used; the demo's Crawl tab starts with it.
DEMO_TAGS = "full_body solo standing 1girl white_background"


def start_demo_server(profile: str = "safebooru", posts: int = DEMO_POSTS, seed: int = 1,
                      **options) -> FakeBooruServer:
    """Start serving and return the server (``.base_url``, ``.shutdown()``). A background thread
    draws the newest posts' pictures ahead of the first crawl so its first pages come quickly.
    ``options`` are :class:`FakeBooruServer` keywords (``latency_ms``, ``min_height``, ...)."""
    server = FakeBooruServer(profile, posts, seed, **options).start()

    def warm() -> None:  # builds the catalogue too, off the caller's thread
        server.dataset.warm(reversed(server.dataset.posts), server.stopping)

    threading.Thread(target=warm, name="fakebooru-warm", daemon=True).start()
    return server
