"""``ganime --demo``: a temporary project and a local fake booru, to try every tab offline."""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path

log = logging.getLogger("ganime.demo")

DEMO_POSTS = 2000
DEMO_SEED = 7
# Small enough to draw quickly on first request, big enough to look like real posts.
DEMO_HEIGHTS = (320, 640)


def start_demo(window, root: Path | None = None):
    """Start the fake booru, open a fresh project and point the Crawl tab at the fake. Returns the server."""
    from ganime_gui.fakebooru.demo import DEMO_TAGS, start_demo_server

    server = start_demo_server(profile="safebooru", posts=DEMO_POSTS, seed=DEMO_SEED,
                               min_height=DEMO_HEIGHTS[0], max_height=DEMO_HEIGHTS[1])
    window.destroyed.connect(lambda *_: server.shutdown())
    root = root or Path(tempfile.mkdtemp(prefix="ganime-demo-")) / "demo-project"
    window.new_project(root)
    crawl_tab = window.tab("Crawl")
    crawl_tab.set_base_url(server.base_url)
    crawl_tab.tags.set_tags(DEMO_TAGS.split())
    crawl_tab.delay.setValue(0)  # politeness is for real sites; the fake is on this machine
    window.context.status(f"Demo mode: a fake booru runs at {server.base_url}; the project is {root}", 0)
    log.info("demo project %s, fake booru %s", root, server.base_url)
    return server
