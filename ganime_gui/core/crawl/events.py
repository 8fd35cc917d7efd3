"""What a crawl reports while it runs: one typed event, consumed by the Crawl tab and the CLI."""
from __future__ import annotations

from dataclasses import dataclass

from ganime_gui.core.jobs import JobEvent

from .stats import CrawlStats


@dataclass(frozen=True)
class CrawlReport(JobEvent):
    """A crawl's state: counters, speed, what happened since the last report, new pictures.

    ``waiting_s`` is set while the crawl waits out a retry (a 429, a dropped connection): the
    seconds left at the moment of the report, so a tab can count down; None otherwise.
    """

    job_id: int
    stats: CrawlStats
    rate: float = 0.0
    eta_s: float | None = None
    lines: tuple[str, ...] = ()
    thumbs: tuple[str, ...] = ()
    waiting_s: float | None = None
