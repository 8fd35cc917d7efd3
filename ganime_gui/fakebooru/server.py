"""The fake booru HTTP server: a threading stdlib server on 127.0.0.1.

Each response goes out in one ``sendall`` (status line, headers and body together) on a socket
with ``TCP_NODELAY``: Python's stock handler writes headers and body separately, and on
keep-alive connections Nagle's algorithm then stalls every response by about 40 ms.
``latency_ms`` delays every answer (a far-away site) and ``bandwidth_kbps`` paces each response
body (a per-connection cap), so benchmarks can show what concurrency buys.
"""
from __future__ import annotations

import collections
import socket
import sys
import threading
import time
import traceback
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from ganime_gui.core.jobs import UserError
from ganime_gui.fakebooru.dataset import Dataset
from ganime_gui.fakebooru.faults import Faults
from ganime_gui.fakebooru.profiles import PROFILES
from ganime_gui.fakebooru.profiles.base import FILE_KINDS, Options, Request, Response, not_found


class Stats:
    """Request counts per kind (api, html, autocomplete, tags, file, sample, thumbnail, other),
    per status, bytes sent, and the last requests (method, path with query, status)."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.by_kind: collections.Counter = collections.Counter()
            self.by_status: collections.Counter = collections.Counter()
            self.bytes_sent = 0
            self.log: collections.deque = collections.deque(maxlen=10_000)

    def record(self, kind: str, method: str, target: str, status: int, sent: int) -> None:
        with self._lock:
            self.by_kind[kind] += 1
            self.by_status[status] += 1
            self.bytes_sent += sent
            self.log.append((method, target, status))

    def __getitem__(self, kind: str) -> int:
        return self.by_kind[kind]

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def paths(self, prefix: str = "") -> list[str]:
        """Request targets (path and query) seen, oldest first; only those starting with
        ``prefix`` when given."""
        with self._lock:
            return [t for _, t, _ in self.log if t.startswith(prefix)]


class RateLimiter:
    """A token bucket: ``rate`` API requests a second, bursts of up to ``rate``."""

    def __init__(self, rate: float):
        self.rate = rate
        self.tokens = rate
        self.stamp = time.monotonic()
        self.lock = threading.Lock()

    def allow(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


class FakeBooruServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, profile: str = "safebooru", posts: int = 200, seed: int = 1, *,
                 port: int = 0, faults: str | None = None, latency_ms: float = 0,
                 bandwidth_kbps: float = 0, deep_limit: int | None = None,
                 max_limit: int | None = None, rate_limit: float = 0,
                 max_file_connections: int = 0,
                 min_height: int = 500, max_height: int = 1500,
                 api_user: str | None = None, api_key: str | None = None, api_level: str = "gold",
                 quiet: bool = True):
        if profile not in PROFILES:
            raise UserError(f"Unknown fake booru profile {profile!r}. Choose one of: {', '.join(PROFILES)}.")
        self.dataset = Dataset(posts, seed, min_height=min_height, max_height=max_height)
        self.faults = Faults(faults)
        self.options = Options(deep_limit=deep_limit, max_limit=max_limit, api_user=api_user,
                               api_key=api_key, api_level=api_level)
        self.profile = PROFILES[profile](self.dataset, self.faults, self.options)
        self.latency_ms = latency_ms
        self.bandwidth_kbps = bandwidth_kbps
        self.rate_limit = rate_limit
        # More file downloads than this at once are answered 429 (a CDN's per-client cap); 0: none
        self.max_file_connections = max_file_connections
        self._files_in_flight = 0
        self._files_lock = threading.Lock()
        self.quiet = quiet
        self.stats = Stats()
        self._limiter: RateLimiter | None = None
        self._thread: threading.Thread | None = None
        self.stopping = threading.Event()  # set by shutdown(), for helper threads
        try:
            super().__init__(("127.0.0.1", port), _Handler)
        except OSError as exc:
            raise UserError(f"Could not listen on 127.0.0.1:{port} ({exc.strerror}). "
                            "Pick another --port, or 0 for any free one.") from exc

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def set_faults(self, spec: str | None) -> None:
        """Replace the active faults (counters start again; files' md5s are computed again)."""
        self.faults.set(spec)
        self.dataset.forget_file_identities()

    def limiter(self) -> RateLimiter | None:
        if not self.rate_limit:
            return None
        if self._limiter is None or self._limiter.rate != self.rate_limit:
            self._limiter = RateLimiter(self.rate_limit)
        return self._limiter

    def start(self) -> "FakeBooruServer":
        """Serve from a daemon thread; returns self. The catalogue (about 2 s for 20 000 posts
        on a slow machine) is built in another thread meanwhile; early requests wait for it."""
        threading.Thread(target=lambda: self.dataset.posts, name="fakebooru-build", daemon=True).start()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"fakebooru:{self.port}", daemon=True)
        self._thread.start()
        return self

    def shutdown(self) -> None:
        """Stop serving and close the socket (safe to call twice, or without start())."""
        self.stopping.set()
        if self._thread is not None:
            super().shutdown()
            self._thread.join(5)
            self._thread = None
        self.server_close()

    def handle_error(self, request, client_address) -> None:
        # A client hanging up mid-response is normal for a test server: stay quiet about it.
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeBooruServer
    server_version = "nginx"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._serve(head=False)

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def _serve(self, head: bool) -> None:
        srv = self.server
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        req = Request(self.command, parts.path, query,
                      {k.lower(): v for k, v in self.headers.items()}, srv.base_url)
        route = srv.profile.route(req)
        if route is None and req.path.startswith("/redirect/"):
            route = ("file", srv.profile.redirect)
        kind = route[0] if route else "other"
        crowded = False
        if kind in FILE_KINDS and srv.max_file_connections:
            with srv._files_lock:
                crowded = srv._files_in_flight >= srv.max_file_connections
                if not crowded:
                    srv._files_in_flight += 1
        try:
            self._serve_counted(srv, req, route, kind, head, crowded)
        finally:
            if kind in FILE_KINDS and srv.max_file_connections and not crowded:
                with srv._files_lock:
                    srv._files_in_flight -= 1

    def _serve_counted(self, srv, req, route, kind, head, crowded) -> None:
        if srv.latency_ms:
            time.sleep(srv.latency_ms / 1000)
        refusal = srv.faults.before_request("files" if kind in FILE_KINDS else "api",
                                            req.headers.get("user-agent", ""))
        if refusal is not None and refusal.drop:
            srv.stats.record(kind, self.command, self.path, 0, 0)
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if refusal is not None and refusal.delay_s:
            time.sleep(refusal.delay_s)
        limiter = srv.limiter() if kind not in FILE_KINDS else None
        if crowded:
            resp = srv.profile.rate_limited()
        elif refusal is not None and refusal.status:
            resp = srv.profile.refused(refusal, req)
        elif limiter is not None and not limiter.allow():
            resp = srv.profile.rate_limited()
        elif route is None:
            resp = not_found()
        else:
            try:
                resp = route[1](req)
            except Exception:  # a bug in the fake: answer 500 and show the traceback
                traceback.print_exc()
                resp = Response(500, b"500 Internal Server Error", "text/plain")
        self._send(resp, head, kind)

    def _send(self, resp: Response, head: bool, kind: str) -> None:
        """Write the response; stats are recorded first so a client that has its answer sees
        them counted."""
        headers = {"Server": "nginx", "Date": formatdate(usegmt=True),
                   "Content-Type": resp.content_type, "Content-Length": str(len(resp.body)),
                   "Connection": "close" if resp.truncate or resp.endless else "keep-alive"}
        if resp.endless:
            del headers["Content-Length"]
        for k, v in resp.headers:  # a fault's headers win (Server: cloudflare, Content-Type)
            headers = {h: x for h, x in headers.items() if h.lower() != k.lower()}
            headers[k] = v
        try:
            reason = HTTPStatus(resp.status).phrase
        except ValueError:
            reason = "Unknown"
        head_bytes = (f"HTTP/1.1 {resp.status} {reason}\r\n"
                      + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode("latin-1")
        body = b"" if head else resp.body
        if resp.truncate:
            body = body[: len(body) // 2]
            self.close_connection = True
        self.server.stats.record(kind, self.command, self.path, resp.status, len(head_bytes) + len(body))
        if not self.server.quiet:
            self.log_request(resp.status, len(body))
        if resp.endless and not head:
            self._send_endless(head_bytes + body)
            return
        rate = self.server.bandwidth_kbps * 1000 / 8  # bytes per second
        if not rate:
            self.wfile.write(head_bytes + body)
        else:
            self.wfile.write(head_bytes)
            chunk = max(1024, int(rate / 20))
            start = time.monotonic()
            for i in range(0, len(body), chunk):
                self.wfile.write(body[i:i + chunk])
                ahead = (i + chunk) / rate - (time.monotonic() - start)
                if ahead > 0:
                    time.sleep(ahead)
        if resp.truncate:
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send_endless(self, start: bytes) -> None:
        """The endless fault: padding until the client hangs up or the server stops."""
        self.close_connection = True
        filler = b" " * 65536
        self.wfile.write(start)
        try:
            while not self.server.stopping.is_set():
                self.wfile.write(filler)
        except OSError:
            pass
