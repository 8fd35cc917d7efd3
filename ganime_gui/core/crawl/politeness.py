"""Per-host request pacing: a minimum interval between requests and pauses the host asks for.

Every request to a host first takes a slot from that host's limiter, so list pages and image
downloads share one budget per host whatever the number of download threads.
"""
from __future__ import annotations

import threading
import time
from typing import Callable
from urllib.parse import urlsplit

from ganime_gui.core.jobs import CancelledFn, JobCancelled, never_cancelled


def sleep_cancellable(seconds: float, cancelled: CancelledFn = never_cancelled,
                      step_s: float = 0.1) -> None:
    """Sleep, but wake up to a stop request within ``step_s`` (a pause blocks in ``cancelled``)."""
    end = time.monotonic() + seconds
    while True:
        if cancelled():
            raise JobCancelled()
        left = end - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(step_s, left))


class HostLimiter:
    def __init__(self, interval_s: float):
        self.interval_s = max(0.0, interval_s)
        self._next = 0.0
        self._lock = threading.Lock()

    def reserve(self) -> float:
        """Take the next free slot; returns how long the caller must wait for it."""
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval_s
            return start - now

    def hold_off(self, seconds: float) -> None:
        """The host asked us to wait (Retry-After, backoff): no request before then."""
        with self._lock:
            self._next = max(self._next, time.monotonic() + seconds)


class Politeness:
    """One limiter per host. ``interval_s=0`` turns pacing off (benchmarks, the local fake)."""

    def __init__(self, interval_s: float, interval_for: Callable[[str], float] | None = None):
        self.interval_s = interval_s
        self._interval_for = interval_for
        self._hosts: dict[str, HostLimiter] = {}
        self._lock = threading.Lock()

    def limiter(self, url: str) -> HostLimiter:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            limiter = self._hosts.get(host)
            if limiter is None:
                interval = self._interval_for(host) if self._interval_for else self.interval_s
                limiter = self._hosts[host] = HostLimiter(interval)
            return limiter

    def wait_turn(self, url: str, cancelled: CancelledFn = never_cancelled) -> None:
        delay = self.limiter(url).reserve()
        if delay > 0:
            sleep_cancellable(delay, cancelled)
