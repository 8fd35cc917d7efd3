"""A crawl's counters, its rate and ETA, and the sentence that says how it ended."""
from __future__ import annotations

import time
from collections import deque
from dataclasses import asdict, dataclass, field


@dataclass
class CrawlStats:
    listed: int = 0          # posts the site returned (kept or not)
    filtered: int = 0        # refused by a filter or the blacklist
    downloaded: int = 0
    had: int = 0             # already in the project (same md5), not downloaded again
    failed: int = 0
    total: int | None = None  # the site's count for the server-side query, when it says
    pages: int = 0
    requests: int = 0

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "CrawlStats":
        return cls(**{k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__})

    @property
    def kept(self) -> int:
        return self.downloaded + self.had

    @property
    def finished(self) -> int:
        return self.filtered + self.downloaded + self.had + self.failed

    def counts_text(self) -> str:
        return (f"{self.downloaded} downloaded, {self.had} already had, {self.filtered} filtered out, "
                f"{self.failed} failed")

    def listed_text(self) -> str:
        if self.total is not None:
            return f"{self.listed} of {self.total} posts listed"
        return f"{self.listed} posts listed"


@dataclass
class RateMeter:
    """Posts finished per second over the last ``window_s`` seconds."""

    window_s: float = 20.0
    _marks: deque = field(default_factory=deque)

    def mark(self, finished: int, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self._marks.append((now, finished))
        while len(self._marks) > 2 and now - self._marks[0][0] > self.window_s:
            self._marks.popleft()

    def rate(self) -> float:
        if len(self._marks) < 2:
            return 0.0
        (t0, n0), (t1, n1) = self._marks[0], self._marks[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0

    def eta_s(self, remaining: int | None) -> float | None:
        rate = self.rate()
        if remaining is None or rate <= 0:
            return None
        return max(0, remaining) / rate
