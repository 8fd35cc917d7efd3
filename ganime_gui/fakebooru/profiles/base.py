"""What every site profile shares: the request and response shapes, options, helpers."""
from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import quote

from ganime_gui.fakebooru import hostile, query
from ganime_gui.fakebooru.dataset import Dataset, Post
from ganime_gui.fakebooru.faults import Faults, Refusal

FILE_KINDS = ("file", "sample", "thumbnail")


@dataclass
class Request:
    method: str
    path: str                 # the raw path, still %-encoded
    query: dict[str, str]     # first value of each parameter, decoded ('+' and %20 are spaces)
    headers: dict[str, str]   # lower-case names
    base_url: str

    def int_param(self, name: str, default: int) -> int:
        try:
            return int(self.query.get(name) or default)
        except ValueError:
            return default


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    truncate: bool = False    # send half the body, then close (Content-Length stays full)
    endless: bool = False     # no Content-Length; the body goes on until the client hangs up


@dataclass
class Options:
    """Server settings a profile reads. ``deep_limit``/``max_limit`` of None use the site's own."""
    deep_limit: int | None = None
    max_limit: int | None = None
    api_user: str | None = None      # gelbooru, danbooru: the only accepted user/key (None: any)
    api_key: str | None = None
    api_level: str = "gold"          # danbooru: the account level a right key logs in as


Handler = Callable[[Request], Response]


def json_response(obj, status: int = 200, escape_slashes: bool = False) -> Response:
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    if escape_slashes:  # PHP's json_encode escapes '/', as safebooru.org's raw bodies show
        text = text.replace("/", "\\/")
    return Response(status, text.encode(), "application/json; charset=utf-8")


def xml_response(text: str, status: int = 200) -> Response:
    return Response(status, text.encode(), "text/xml; charset=utf-8")


def html_response(text: str, status: int = 200) -> Response:
    return Response(status, text.encode(), "text/html; charset=utf-8")


def not_found() -> Response:
    return html_response("<html><body><h1>404 Not Found</h1></body></html>", 404)


def php_escape(text: str) -> str:
    """PHP htmlspecialchars with ENT_QUOTES, as Gelbooru escapes tags in its JSON."""
    return html.escape(text, quote=True).replace("&#x27;", "&#039;")


def xml_attrs(pairs: list[tuple[str, object]]) -> str:
    return " ".join(f'{k}="{html.escape(str(v), quote=True)}"' for k, v in pairs)


def url_name(name: str) -> str:
    """A file name as a URL path segment (hostile names stay one segment)."""
    return quote(name, safe="")


class Profile:
    """One site's behaviour. Subclasses fill :meth:`route` and the site's answers."""
    name = ""
    default_deep_limit = 10**9
    default_max_limit = 1000
    rating_aliases: dict[str, str] | None = None

    def __init__(self, dataset: Dataset, faults: Faults, options: Options):
        self.dataset = dataset
        self.faults = faults
        self.options = options
        dataset.substitute = self.substitute_bytes

    def substitute_bytes(self, post: Post) -> bytes | None:
        """The bomb, not_image and repost faults: other bytes for this post's file."""
        faults = self.faults
        if faults.chosen("bomb", post.id):
            return hostile.bomb_png(f"post {post.id}")
        if faults.chosen("not_image", post.id):
            return hostile.not_an_image(f"post {post.id}")
        if post.index > 0 and faults.chosen("repost", post.id):
            return self.dataset.file_bytes(self.dataset.posts[post.index - 1])
        return None

    def file_url_fault(self, post: Post, base: str, url: str) -> str:
        """The file_url, redirect_file and redirect_loop faults: another address for the file."""
        if self.faults.chosen("file_url", post.id):
            return "file:///etc/passwd"
        for name in ("redirect_file", "redirect_loop"):
            if self.faults.chosen(name, post.id):
                return f"{base}/redirect/{name}/{post.id}"
        return url

    def redirect(self, req: Request) -> Response:
        """``/redirect/redirect_file/<id>``: to a file: URL; ``/redirect/redirect_loop/<id>``: to
        itself."""
        target = "file:///etc/passwd" if req.path.startswith("/redirect/redirect_file/") else req.path
        return Response(302, b"", "text/html", [("Location", target)])

    def list_body(self, query_key: str, page_index: int, make: Callable[[], Response]) -> Response:
        """A list answer, or what the oversized / endless / deep_json faults send instead."""
        fault = self.faults.list_body_fault(query_key, page_index)
        if fault is None:
            return make()
        name, conf = fault
        if name == "deep_json":
            return Response(200, hostile.deep_json(int(conf["depth"])), "application/json")
        if name == "endless":
            return Response(200, b"[", "application/json", endless=True)
        resp = make()
        resp.body = resp.body + b" " * int(float(conf["mb"]) * 2**20)
        return resp

    @property
    def deep_limit(self) -> int:
        return self.options.deep_limit if self.options.deep_limit is not None else self.default_deep_limit

    @property
    def max_limit(self) -> int:
        return self.options.max_limit if self.options.max_limit is not None else self.default_max_limit

    def route(self, req: Request) -> tuple[str, Handler] | None:
        """(stats kind, handler) for a request, or None for 404. Kinds: api, html, autocomplete,
        tags, file, sample, thumbnail."""
        raise NotImplementedError

    def rate_limited(self) -> Response:
        return Response(429, b"429 Too Many Requests", "text/plain; charset=utf-8",
                        [("Retry-After", "1")])

    def refused(self, refusal: Refusal, req: Request) -> Response:
        """A fault's answer (429, 503, challenge) as this site words it; a profile whose API
        answers errors in its own shape overrides this."""
        return Response(refusal.status, refusal.body, "text/html; charset=UTF-8", list(refusal.headers))

    # -- shared helpers --------------------------------------------------------------------------
    def search(self, tags: str | None) -> list[Post]:
        return query.search(tags, self.dataset, self.rating_aliases)

    def page_of(self, tags: str | None, offset: int, limit: int, page_index: int) -> list[Post]:
        """``limit`` results from ``offset``; empty when the empty_page fault hits this page."""
        if self.faults.empty_page(*self.page_key(tags, page_index, limit)):
            return []
        return self.search(tags)[offset: offset + limit]

    def page_key(self, tags: str | None, page_index: int, limit: int) -> tuple[str, int]:
        """(query key, page index) for the page faults. With keyset paging (``id:<N``, page
        index 0 each time) the index counts the query's posts above N, so ``empty_page=1``
        hits the second page however it was asked for."""
        words = sorted(set((tags or "").split()))
        cursor = [w for w in words if w.startswith("id:<")]
        base = [w for w in words if not w.startswith("id:<")]
        if cursor and limit > 0:
            try:
                below = int(cursor[0][4:])
            except ValueError:
                below = None
            if below is not None:
                above = sum(1 for p in self.search(" ".join(base)) if p.id >= below)
                page_index += above // limit
        return " ".join(base), page_index

    def serve_variant(self, post: Post | None, variant: str, ext: str, *, side: int = 150,
                      sample_width: int = 850) -> Response:
        """A file request: ``variant`` is original (must have the post's extension), sample
        (only when the picture is wider than ``sample_width``), jpeg (full size) or thumbnail
        (fits ``side``). Every variant but the original is a .jpg; anything else is a 404."""
        if post is None:
            return not_found()
        if variant == "original":
            return self.file_response(post) if ext == post.ext else not_found()
        if ext != "jpg":
            return not_found()
        if variant == "sample":
            size = self.dataset.sample_size(post, sample_width)
            return self.jpeg_response(post, size) if size else not_found()
        if variant == "jpeg":
            return self.jpeg_response(post, (post.width, post.height))
        return self.jpeg_response(post, self.dataset.scaled_size(post, side))

    def file_response(self, post: Post) -> Response:
        """The original file, with the bad_md5 and truncate faults applied."""
        if self.faults.bad_md5(post.id):
            data = self.dataset.wrong_bytes(post)
        else:
            data = self.dataset.file_bytes(post)
        return Response(200, data, post.content_type, truncate=self.faults.truncate(post.id))

    def jpeg_response(self, post: Post, size: tuple[int, int]) -> Response:
        return Response(200, self.dataset.jpeg_bytes(post, size), "image/jpeg")

    def tag_matches(self, prefix: str, limit: int = 10) -> list[tuple[str, int]]:
        """Tags starting with ``prefix``, most used first: what autocomplete shows."""
        prefix = prefix.strip().lower()
        if not prefix:
            return []
        hits = [(t, n) for t, n in self.dataset.tag_counts().items() if t.startswith(prefix)]
        hits.sort(key=lambda tn: (-tn[1], tn[0]))
        return hits[:limit]
