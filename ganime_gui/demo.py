"""``ganime --demo``: a temporary project and a local fake booru, to try every tab offline."""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path

log = logging.getLogger("ganime.demo")

DEMO_POSTS = 2000
DEMO_SEED = 7


def start_demo(window) -> None:
    from ganime_gui.fakebooru.demo import start_demo_server

    server = start_demo_server(profile="safebooru", posts=DEMO_POSTS, seed=DEMO_SEED)
    root = Path(tempfile.mkdtemp(prefix="ganime-demo-")) / "demo-project"
    context = window.context
    # The Crawl tab reads these when a project opens: the fake booru stands in for safebooru.org.
    context.crawl_defaults = {"site": "safebooru", "base_url": server.base_url,
                              "tags": "full_body solo standing 1girl white_background"}
    context.demo_server = server
    window.destroyed.connect(lambda *_: server.shutdown())
    window.new_project(root)
    context.status(f"Demo mode: a fake booru runs at {server.base_url}; the project is {root}", 0)
    log.info("demo project %s, fake booru %s", root, server.base_url)
