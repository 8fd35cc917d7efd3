"""Helpers the crawler tests share: fast, impolite crawl options and checks on the images folder."""
from __future__ import annotations

import hashlib
from pathlib import Path

from ganime_gui.core.crawl import CrawlOptions, CrawlQuery, run_crawl
from ganime_gui.core.crawl.client import RetryPolicy

# The real responses, committed beside the fake booru tests (copied from shared/booru_fixtures).
FIXTURES = Path(__file__).resolve().parents[2] / "fakebooru" / "fixtures"


def fast_options(**overrides) -> CrawlOptions:
    """No pacing and short backoffs: the fake answers at once and tests must stay quick."""
    values = dict(concurrency=4, interval_s=0, report_interval_s=0.0,
                  retry=RetryPolicy(attempts=5, backoff_s=0.01, max_backoff_s=0.05, timeout_s=10))
    values.update(overrides)
    return CrawlOptions(**values)


def crawl(project, booru, site=None, query=None, **kw):
    """Run a crawl of ``booru`` to its end; returns the outcome."""
    options = kw.pop("options", None) or fast_options()
    return run_crawl(project, site or booru.profile.name, query or CrawlQuery(),
                     base_url=booru.base_url, options=options, **kw)


def image_files(project) -> list[Path]:
    return sorted(p for p in project.images_dir.iterdir() if not p.name.startswith("."))


def assert_files_match_names(project) -> None:
    """Every file is named by the md5 of its bytes: nothing truncated, nothing swapped."""
    for path in image_files(project):
        assert hashlib.md5(path.read_bytes()).hexdigest() == path.stem, path.name
