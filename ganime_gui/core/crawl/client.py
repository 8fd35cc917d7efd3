"""HTTP for the crawler: one session per thread, pacing, retries and the site's refusals.

Retried here (with backoff, ``Retry-After`` honoured): 429, 5xx, dropped connections, timeouts.
Never retried: a Cloudflare challenge or a missing key. They raise :class:`Blocked` errors, so a
refusal can never look like an empty result.
"""
from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from typing import Callable, Mapping
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from ganime_gui import __version__
from ganime_gui.core.boorus.base import (BooruError, ChallengeBlocked, NetworkError, RateLimited, Request,
                                         looks_like_challenge, parse_retry_after)
from ganime_gui.core.jobs import CancelledFn, never_cancelled

from .politeness import Politeness, sleep_cancellable

log = logging.getLogger("ganime.crawl")

# A tool's name, not a browser's: Cloudflare challenges browser-like agents sent from non-browser
# TLS stacks, while sites like Danbooru let named tools through.
USER_AGENT = f"GANimeStudio/{__version__} (dataset crawler)"
SECRET_PARAMS = ("api_key", "password_hash", "user_id", "login")
# A host that wants us away for longer than this is treated as blocked, not waited out.
MAX_RETRY_AFTER_S = 300.0


@dataclass
class RetryPolicy:
    attempts: int = 5             # tries per request, the first one included
    backoff_s: float = 1.0        # first wait after a 5xx or a dropped connection, then doubled
    max_backoff_s: float = 60.0
    timeout_s: float = 30.0


_SECRET_IN_URL = re.compile(r"((?:%s)=)[^&\s\"']+" % "|".join(("api_key", "password_hash")))


class _RedactSecrets(logging.Filter):
    """urllib3 logs every request line at DEBUG, query string included: hide the keys in it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "api_key=" in message or "password_hash=" in message:
            record.msg, record.args = _SECRET_IN_URL.sub(r"\1***", message), ()
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactSecrets())


def redact(params: Mapping | None) -> dict:
    """Parameters safe to log: credentials never reach a log line or an error message."""
    return {k: ("***" if k in SECRET_PARAMS else v) for k, v in (params or {}).items()}


class HttpClient:
    def __init__(self, politeness: Politeness, policy: RetryPolicy | None = None,
                 cancelled: CancelledFn = never_cancelled, pool_size: int = 16,
                 notify: Callable[[str], None] | None = None):
        self.politeness = politeness
        self.notify = notify or (lambda text: None)
        self.policy = policy or RetryPolicy()
        self.cancelled = cancelled
        self.pool_size = pool_size
        self._local = threading.local()
        self._lock = threading.Lock()
        self.requests = 0           # every request sent, retries included
        self._sessions: list[requests.Session] = []

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.pool_size, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers["User-Agent"] = USER_AGENT
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            for s in self._sessions:
                s.close()
            self._sessions.clear()

    def get(self, request: Request | str, *, stream: bool = False) -> requests.Response:
        """GET with pacing and retries. Returns the final response whatever its status, except
        that exhausted retries and challenges raise :class:`Blocked` errors."""
        if isinstance(request, str):
            request = Request(request)
        policy = self.policy
        backoff = policy.backoff_s
        last_problem = ""
        for attempt in range(1, policy.attempts + 1):
            limiter = self.politeness.limiter(request.url)
            self.politeness.wait_turn(request.url, self.cancelled)
            with self._lock:
                self.requests += 1
            try:
                resp = self.session.get(request.url, params=request.params or None,
                                        headers=request.headers or None, stream=stream,
                                        timeout=policy.timeout_s)
            except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                    requests.exceptions.InvalidSchema) as exc:
                raise BooruError(f"{request.url} is not a usable address ({type(exc).__name__}). "
                                 f"Check the base URL.") from exc
            except requests.RequestException as exc:
                last_problem = f"{type(exc).__name__}"
                self.notify(f"No answer from {_host(request.url)} ({last_problem}); trying again "
                            f"in {backoff:.1f} s ({attempt} of {policy.attempts}).")
                self._wait(limiter, backoff, attempt)
                backoff = min(backoff * 2, policy.max_backoff_s)
                continue
            status = resp.status_code
            if status in (403, 503) or status == 429 or status >= 500:
                body = resp.content[:65536] if status != 429 else b""
                if looks_like_challenge(status, resp.headers, body):
                    resp.close()
                    raise ChallengeBlocked(
                        f"{_host(request.url)} answered with a Cloudflare challenge (HTTP {status}): "
                        f"it wants a browser, which this crawler is not. Wait a while and resume "
                        f"the crawl, or try another mirror of the site.")
                if status == 429 or status >= 500:
                    retry_after = parse_retry_after(resp.headers)
                    resp.close()
                    last_problem = f"HTTP {status}"
                    if retry_after is not None and retry_after > MAX_RETRY_AFTER_S:
                        raise RateLimited(f"{_host(request.url)} asks us to wait {retry_after:.0f} s "
                                          f"(HTTP {status}). Resume the crawl later.", retry_after)
                    wait = retry_after if retry_after is not None else backoff
                    self.notify(f"{_host(request.url)} answered {last_problem}"
                                + (" (too many requests)" if status == 429 else "")
                                + f"; waiting {wait:.1f} s ({attempt} of {policy.attempts}).")
                    self._wait(limiter, wait, attempt)
                    backoff = min(backoff * 2, policy.max_backoff_s)
                    continue
            return resp
        host = _host(request.url)
        if last_problem == "HTTP 429":
            raise RateLimited(f"{host} kept answering 'too many requests' after {policy.attempts} "
                              f"tries. Resume the crawl later or raise the delay between requests.")
        raise NetworkError(f"Could not reach {host} ({last_problem}) after {policy.attempts} tries. "
                           f"Check the network or the base URL, then resume the crawl.")

    def _wait(self, limiter, seconds: float, attempt: int) -> None:
        if attempt >= self.policy.attempts:
            return
        limiter.hold_off(seconds)
        sleep_cancellable(seconds, self.cancelled)


def _host(url: str) -> str:
    return urlsplit(url).netloc
