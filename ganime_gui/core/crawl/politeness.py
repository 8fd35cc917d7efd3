"""Per-host pacing: a polite interval for API requests, an adaptive cap for downloads.

Two budgets per host, because sites treat the two differently:

* **API** (list pages, counts, autocomplete): at most one request per ``interval_s`` (the site's
  polite value, 1 s on every booru; ``--delay`` changes it). Slots are reserved in order, so
  any number of threads share one clock.
* **Downloads**: no fixed gap, but at most ``limit`` at once per host (default 4). The limit adapts
  the TCP way (additive increase, multiplicative decrease): a 429 or 503 halves it and holds the
  host off for the ``Retry-After`` the server asked for; each run of ``GROW_AFTER`` x ``limit``
  successes in a row adds one back, up to the cap.

:data:`SHARED` is the process-wide instance: a crawl and the tag entry's autocomplete of the same
site wait on the same clock.
"""
from __future__ import annotations

import contextlib
import threading
import time
from typing import Iterator
from urllib.parse import urlsplit

from ganime_gui.core.jobs import CancelledFn, JobCancelled, never_cancelled

DEFAULT_INTERVAL_S = 1.0
DEFAULT_DOWNLOADS_PER_HOST = 4
# Successes in a row, per slot, before the download limit grows by one again: slow on purpose,
# so a host that pushed back is not pushed again at once.
GROW_AFTER = 8


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


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


class HostLimiter:
    """The API clock of one host: one request per ``interval_s``, and pauses the host asks for."""

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


class DownloadGate:
    """At most ``limit`` downloads at once from one host, adapted on the host's answers."""

    def __init__(self, cap: int):
        self.cap = max(1, cap)
        self.limit = float(self.cap)
        self.active = 0
        self.throttles = 0          # how many times the host pushed back
        self._streak = 0
        self._hold_until = 0.0
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def slot(self, cancelled: CancelledFn = never_cancelled) -> Iterator[None]:
        self.acquire(cancelled)
        try:
            yield
        finally:
            self.release()

    def acquire(self, cancelled: CancelledFn = never_cancelled) -> None:
        with self._cond:
            while True:
                wait = self._hold_until - time.monotonic()
                if wait <= 0 and self.active < int(self.limit):
                    self.active += 1
                    return
                self._cond.wait(min(0.1, wait) if wait > 0 else 0.1)
                if cancelled():
                    raise JobCancelled()

    def release(self) -> None:
        with self._cond:
            self.active -= 1
            self._cond.notify_all()

    def succeeded(self) -> None:
        """Additive increase: one more slot after a long enough run of successes."""
        with self._cond:
            self._streak += 1
            if self._streak >= GROW_AFTER * self.limit and self.limit < self.cap:
                self.limit = min(self.cap, self.limit + 1)
                self._streak = 0
                self._cond.notify_all()

    def throttled(self, wait_s: float) -> None:
        """Multiplicative decrease: half the slots, and no new download for ``wait_s``.

        Several downloads in flight usually hear the same 429 together: only the first one
        during a hold-off halves the limit, or four answers would cut it to one at once.
        """
        with self._cond:
            now = time.monotonic()
            if now >= self._hold_until:
                self.limit = max(1.0, self.limit / 2)
                self.throttles += 1
            self._streak = 0
            self._hold_until = max(self._hold_until, now + max(0.0, wait_s))

    def hold_remaining(self) -> float:
        with self._cond:
            return max(0.0, self._hold_until - time.monotonic())


class Politeness:
    """Per-host API limiters and download gates.

    ``interval_s`` / ``downloads_per_host`` are the defaults for hosts not configured with
    :meth:`configure` (a crawl configures its site's host with the options it runs with).
    """

    def __init__(self, interval_s: float = DEFAULT_INTERVAL_S,
                 downloads_per_host: int = DEFAULT_DOWNLOADS_PER_HOST):
        self.interval_s = interval_s
        self.downloads_per_host = downloads_per_host
        self._hosts: dict[str, HostLimiter] = {}
        self._gates: dict[str, DownloadGate] = {}
        self._lock = threading.Lock()

    def configure(self, url: str, interval_s: float | None = None,
                  downloads_per_host: int | None = None) -> None:
        host = host_of(url)
        with self._lock:
            if interval_s is not None:
                limiter = self._hosts.setdefault(host, HostLimiter(interval_s))
                limiter.interval_s = max(0.0, interval_s)
            if downloads_per_host is not None:
                gate = self._gates.get(host)
                if gate is None or gate.cap != max(1, downloads_per_host):
                    self._gates[host] = DownloadGate(downloads_per_host)

    def limiter(self, url: str) -> HostLimiter:
        return self._for_host(self._hosts, url, lambda: HostLimiter(self.interval_s))

    def gate(self, url: str) -> DownloadGate:
        return self._for_host(self._gates, url, lambda: DownloadGate(self.downloads_per_host))

    def _for_host(self, table: dict, url: str, make):
        host = host_of(url)
        with self._lock:
            found = table.get(host)
            if found is None:
                found = table[host] = make()
            return found

    def wait_turn(self, url: str, cancelled: CancelledFn = never_cancelled) -> None:
        delay = self.limiter(url).reserve()
        if delay > 0:
            sleep_cancellable(delay, cancelled)


# One clock per host for the whole process: crawls and tag lookups share it.
SHARED = Politeness()
