"""HTTP for the crawler: one session per thread, pacing, retries, limits and the site's refusals.

Retried here (with backoff, ``Retry-After`` honoured in seconds or as a date): 429, 5xx, dropped
connections, timeouts. Never retried: a Cloudflare challenge, a missing key, an untrusted
certificate. They raise :class:`Blocked` errors, so a refusal can never look like an empty result.

Limits on what a server sends: an API body is read as a stream and refused past
``max_body_bytes`` (32 MiB); redirects are followed by hand, at most :data:`MAX_REDIRECTS` hops and
only to http/https (never ``file:`` or another scheme). API requests wait their turn on the
host's polite clock; downloads pass the host's adaptive gate instead (see ``politeness``).
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from typing import Callable, Mapping
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

from ganime_gui import __version__
from ganime_gui.core.boorus.base import (BadResponse, Blocked, BooruError, ChallengeBlocked,
                                         NetworkError, RateLimited, Request, looks_like_challenge,
                                         parse_retry_after)
from ganime_gui.core.jobs import CancelledFn, never_cancelled

from .politeness import SHARED, Politeness, host_of, sleep_cancellable

log = logging.getLogger("ganime.crawl")

# A tool's name, not a browser's: Cloudflare challenges browser-like agents sent from non-browser
# TLS stacks, while sites like Danbooru let named tools through.
USER_AGENT = f"GANimeStudio/{__version__} (dataset crawler)"
SECRET_PARAMS = ("api_key", "password_hash", "user_id", "login")
# A host that wants us away for longer than this is treated as blocked, not waited out.
MAX_RETRY_AFTER_S = 300.0
MAX_REDIRECTS = 5
MAX_BODY_BYTES = 32 << 20      # an API answer; the biggest real page (1000 posts) is about 2 MiB
BODY_DEADLINE_S = 120.0        # an API answer that trickles in for longer is refused
PEEK_BYTES = 65536
REDIRECT_CODES = (301, 302, 303, 307, 308)


class CertificateRefused(Blocked):
    kind = "certificate"


class UnsafeRedirect(BooruError):
    """A redirect loop, too many hops, or a hop to something that is not http(s)."""

    kind = "redirect"


class ResponseTooLarge(BadResponse):
    kind = "too_large"


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


def check_scheme(url: str, what: str = "address") -> None:
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeRedirect(f"the {what} {url[:120]!r} is not an http or https address; refused")


def certificate_message(host: str) -> str:
    return (f"The site's certificate is not trusted ({host}): the connection was refused, as a "
            f"browser would. If the site uses a private certificate authority, set the "
            f"REQUESTS_CA_BUNDLE environment variable to that authority's certificate file and "
            f"resume the crawl.")


class HttpClient:
    """``get`` for API requests (paced, body capped), ``get_file`` for downloads (gated)."""

    def __init__(self, politeness: Politeness | None = None, policy: RetryPolicy | None = None,
                 cancelled: CancelledFn = never_cancelled, pool_size: int = 16,
                 notify: Callable[[str], None] | None = None, max_body_bytes: int = MAX_BODY_BYTES,
                 on_wait: Callable[[float], None] | None = None):
        self.politeness = politeness or SHARED
        self.notify = notify or (lambda text: None)
        self.on_wait = on_wait or (lambda seconds: None)
        self.policy = policy or RetryPolicy()
        self.cancelled = cancelled
        self.pool_size = pool_size
        self.max_body_bytes = max_body_bytes
        self._local = threading.local()
        self._lock = threading.Lock()
        self.requests = 0           # every request sent, retries and redirect hops included
        self.throttled = 0          # answers that were 429
        self._sessions: list[requests.Session] = []
        self._env_cache: dict[tuple[str, str], tuple[dict, str | bool]] = {}

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=4, pool_maxsize=self.pool_size, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers["User-Agent"] = USER_AGENT
            # The environment (proxies, REQUESTS_CA_BUNDLE) is read once per host in
            # _environment, not on every request as requests does when trust_env is on.
            session.trust_env = False
            self._local.session = session
            with self._lock:
                self._sessions.append(session)
        return session

    def close(self) -> None:
        with self._lock:
            for s in self._sessions:
                s.close()
            self._sessions.clear()

    # -- the two kinds of request ----------------------------------------------------------------
    def get(self, request: Request | str) -> requests.Response:
        """An API request: paced on the host's clock, its body read (capped) into ``.content``.
        Returns the final response whatever its status, except that exhausted retries,
        challenges and refused certificates raise :class:`Blocked` errors."""
        if isinstance(request, str):
            request = Request(request)
        backoff, attempts = self.policy.backoff_s, self.policy.attempts
        for attempt in range(1, attempts + 1):
            resp = self._get(request, download=False)
            try:
                resp._content = read_capped(resp, self.max_body_bytes, BODY_DEADLINE_S)
                return resp
            except _BodyBroken as exc:
                problem = str(exc)
                self.notify(f"The answer from {host_of(request.url)} broke off ({problem}); trying "
                            f"again in {backoff:.1f} s ({attempt} of {attempts}).")
                self._wait(self.politeness.limiter(request.url), backoff, attempt, None)
                backoff = min(backoff * 2, self.policy.max_backoff_s)
            finally:
                resp.close()
        raise NetworkError(f"The answers from {host_of(request.url)} kept breaking off ({problem}) "
                           f"after {attempts} tries. Check the network, then resume the crawl.")

    def get_file(self, url: str) -> requests.Response:
        """A download: streamed (the caller reads and closes it). The caller holds a slot of
        the host's download gate (``politeness.gate(url).slot()``) around it."""
        return self._get(Request(url), download=True)

    # -- the loop ------------------------------------------------------------------------------
    def _get(self, request: Request | str, download: bool) -> requests.Response:
        if isinstance(request, str):
            request = Request(request)
        check_scheme(request.url, "file address" if download else "address")
        policy = self.policy
        backoff = policy.backoff_s
        last_problem = ""
        host = host_of(request.url)
        for attempt in range(1, policy.attempts + 1):
            limiter = self.politeness.limiter(request.url)
            if download:
                self._wait_hold(request.url)
            else:
                self.politeness.wait_turn(request.url, self.cancelled)
            try:
                resp = self._send(request)
            except requests.exceptions.SSLError as exc:
                raise CertificateRefused(certificate_message(host)) from exc
            except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                    requests.exceptions.InvalidSchema) as exc:
                raise BooruError(f"{request.url} is not a usable address ({type(exc).__name__}). "
                                 f"Check the base URL.") from exc
            except requests.RequestException as exc:
                last_problem = f"{type(exc).__name__}"
                self.notify(f"No answer from {host} ({last_problem}); trying again "
                            f"in {backoff:.1f} s ({attempt} of {policy.attempts}).")
                self._wait(limiter, backoff, attempt, request.url if download else None)
                backoff = min(backoff * 2, policy.max_backoff_s)
                continue
            status = resp.status_code
            if status in (403, 503) or status == 429 or status >= 500:
                body = peek(resp) if status != 429 else b""
                if looks_like_challenge(status, resp.headers, body):
                    resp.close()
                    raise ChallengeBlocked(
                        f"{host} answered with a Cloudflare challenge (HTTP {status}): "
                        f"it wants a browser, which this crawler is not. Wait a while and resume "
                        f"the crawl, or try another mirror of the site.")
                if status == 429 or status >= 500:
                    retry_after = parse_retry_after(resp.headers)
                    resp.close()
                    last_problem = f"HTTP {status}"
                    if status == 429:
                        with self._lock:
                            self.throttled += 1
                    if retry_after is not None and retry_after > MAX_RETRY_AFTER_S:
                        raise RateLimited(f"{host} asks us to wait {retry_after:.0f} s "
                                          f"(HTTP {status}). Resume the crawl later.", retry_after)
                    wait = retry_after if retry_after is not None else backoff
                    if download and status in (429, 503):
                        self.politeness.gate(request.url).throttled(wait)
                    self.notify(f"{host} answered {last_problem}"
                                + (" (too many requests)" if status == 429 else "")
                                + f"; waiting {wait:.1f} s ({attempt} of {policy.attempts}).")
                    self._wait(limiter, wait, attempt, request.url if download else None)
                    backoff = min(backoff * 2, policy.max_backoff_s)
                    continue
            if download and status < 400:
                self.politeness.gate(request.url).succeeded()
            return resp
        if last_problem == "HTTP 429":
            raise RateLimited(f"{host} kept answering 'too many requests' after {policy.attempts} "
                              f"tries. Resume the crawl later or raise the delay between requests.")
        raise NetworkError(f"Could not reach {host} ({last_problem}) after {policy.attempts} tries. "
                           f"Check the network or the base URL, then resume the crawl.")

    def _send(self, request: Request) -> requests.Response:
        """One request and its redirects, followed here: few hops, http(s) only, no loops."""
        url, params, seen = request.url, request.params or None, set()
        for _hop in range(MAX_REDIRECTS + 1):
            with self._lock:
                self.requests += 1
            proxies, verify = self._environment(url)
            resp = self.session.get(url, params=params, headers=request.headers or None,
                                    stream=True, timeout=self.policy.timeout_s,
                                    allow_redirects=False, proxies=proxies, verify=verify)
            if resp.status_code not in REDIRECT_CODES or "location" not in resp.headers:
                return resp
            seen.add(resp.url)
            target = urljoin(resp.url, resp.headers["location"])
            resp.close()
            check_scheme(target, "redirect target")
            if target in seen:
                raise UnsafeRedirect(f"the address redirects in a loop ({target[:120]})")
            url, params = target, None
        raise UnsafeRedirect(f"more than {MAX_REDIRECTS} redirects from {request.url[:120]}")

    def _environment(self, url: str) -> tuple[dict, str | bool]:
        """What requests would take from the environment for this URL's host (HTTP(S)_PROXY,
        NO_PROXY, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE), worked out once per host."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        cached = self._env_cache.get(key)
        if cached is None:
            proxies = requests.utils.get_environ_proxies(url)
            verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
            cached = self._env_cache[key] = (proxies, verify)
        return cached

    def _wait_hold(self, url: str) -> None:
        hold = self.politeness.gate(url).hold_remaining()
        if hold > 0:
            self.on_wait(hold)
            sleep_cancellable(hold, self.cancelled)

    def _wait(self, limiter, seconds: float, attempt: int, download_url: str | None) -> None:
        if attempt >= self.policy.attempts:
            return
        if download_url is None:
            limiter.hold_off(seconds)
        self.on_wait(seconds)
        sleep_cancellable(seconds, self.cancelled)
        self.on_wait(0.0)


def peek(resp: requests.Response, limit: int = PEEK_BYTES) -> bytes:
    """The first ``limit`` bytes of a streamed body (an error page), never the whole of it."""
    try:
        return resp.raw.read(limit, decode_content=True) or b""
    except Exception:  # noqa: BLE001 - a broken error page tells nothing more
        return b""


def read_capped(resp: requests.Response, limit: int, deadline_s: float) -> bytes:
    """A streamed body, refused past ``limit`` bytes (also when Content-Length says so) or
    ``deadline_s`` seconds: an endless or oversized answer costs at most ``limit`` of memory."""
    host = host_of(resp.url or "")
    declared = resp.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ResponseTooLarge(f"{host} sent an answer of {int(declared) / 2**20:.0f} MiB, more than "
                               f"the {limit / 2**20:.0f} MiB an API answer may have; refused it.")
    chunks, size, start = [], 0, time.monotonic()
    try:
        for chunk in resp.iter_content(256 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise ResponseTooLarge(f"{host} sent an answer longer than the {limit / 2**20:.0f} "
                                       f"MiB an API answer may have (it may never end); refused it.")
            if time.monotonic() - start > deadline_s:
                raise ResponseTooLarge(f"{host} kept sending one answer for over {deadline_s:.0f} s; "
                                       f"refused it.")
    except requests.RequestException as exc:
        raise _BodyBroken(type(exc).__name__) from exc
    return b"".join(chunks)


class _BodyBroken(Exception):
    """The connection broke in the middle of an API answer: worth another try."""
