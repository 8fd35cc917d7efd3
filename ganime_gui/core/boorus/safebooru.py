"""safebooru.org: Gelbooru 0.2 DAPI. JSON for posts, XML for the total count, HTML as a fallback.

JSON pages carry no total, so the crawler asks the XML form once (``limit=1``) for ``count``. The
HTML list page is only used when the API itself is unavailable (see :class:`SafebooruHtml`).
"""
from __future__ import annotations

import html
import re
from typing import Mapping

from .base import (Page, Post, Request, SiteAdapter, Suggestion, load_json, normalise_rating,
                   split_tags, to_int)
from .dapi import DAPI_PATH, dapi_params, keyset_tags, parse_dapi_body, parse_xml_count


class SafebooruAdapter(SiteAdapter):
    name = "safebooru"
    title = "Safebooru"
    default_base_url = "https://safebooru.org"
    max_page_size = 1000
    polite_interval_s = 1.0

    def list_request(self, tags: list[str], before_id: int | None, limit: int) -> Request:
        return Request(self.url(DAPI_PATH), dapi_params(
            json=1, limit=min(limit, self.max_page_size), pid=0, tags=keyset_tags(tags, before_id)))

    def parse_list(self, status: int, headers: Mapping[str, str], body: bytes) -> Page:
        self.check_error(status, headers, body)
        return parse_dapi_body(self, body)

    def count_request(self, tags: list[str]) -> Request | None:
        return Request(self.url(DAPI_PATH), dapi_params(limit=1, pid=0, tags=" ".join(tags)))

    def parse_count(self, status: int, headers: Mapping[str, str], body: bytes) -> int | None:
        self.check_error(status, headers, body)
        return parse_xml_count(body)

    def autocomplete_request(self, prefix: str, limit: int = 10) -> Request:
        return Request(self.url("autocomplete.php"), {"q": prefix})

    def parse_autocomplete(self, body: bytes) -> list[Suggestion]:
        return parse_label_value_suggestions(body)

    def html_fallback(self) -> "SafebooruHtml":
        return SafebooruHtml(self.base_url, self.credentials)


def parse_label_value_suggestions(body: bytes) -> list[Suggestion]:
    """``[{"label": "tag (123)", "value": "tag", "post_count": "123"?}]`` as suggestions."""
    data = load_json(body) or []
    out = []
    for item in data if isinstance(data, list) else []:
        if isinstance(item, str):
            out.append(Suggestion(item))
            continue
        if not isinstance(item, dict) or not item.get("value"):
            continue
        label = html.unescape(str(item.get("label") or item["value"]))
        count = to_int(item.get("post_count"))
        if count is None:
            m = re.search(r"\((\d+)\)\s*$", label)
            count = int(m.group(1)) if m else None
        out.append(Suggestion(html.unescape(str(item["value"])), count, label))
    return out


# -- HTML list page fallback -------------------------------------------------------------------
_THUMB = re.compile(
    r'<span[^>]*\bid="s(?P<id>\d+)"[^>]*>.*?<img[^>]*?\bsrc="(?P<src>[^"]+)"[^>]*?'
    r'\btitle="(?P<title>[^"]*)"', re.S)
_LAST_PAGE = re.compile(r'pid=(\d+)"[^>]*alt="last page"')
HTML_PAGE_SIZE = 42
# The thumbnail is always .jpg; the original's extension is unknown, so these are tried in turn.
GUESSED_EXTS = ("jpg", "png", "jpeg", "gif")


class SafebooruHtml(SafebooruAdapter):
    """Scrapes ``index.php?page=post&s=list``: no md5, no size, extension guessed. Last resort."""

    max_page_size = HTML_PAGE_SIZE

    def list_request(self, tags: list[str], before_id: int | None, limit: int) -> Request:
        return Request(self.url(DAPI_PATH), {"page": "post", "s": "list", "pid": 0,
                                             "tags": keyset_tags(tags, before_id)})

    def count_request(self, tags: list[str]) -> Request | None:
        return None

    def parse_list(self, status: int, headers: Mapping[str, str], body: bytes) -> Page:
        self.check_error(status, headers, body)
        return parse_html_list(self, body.decode("utf-8", "replace"))


def parse_html_list(adapter: SiteAdapter, text: str) -> Page:
    posts = []
    for m in _THUMB.finditer(text):
        thumb = adapter.absolute(html.unescape(m.group("src")))
        title = html.unescape(html.unescape(m.group("title")))
        words = title.split()
        rating = next((w.split(":", 1)[1] for w in words if w.startswith("rating:")), None)
        score = next((to_int(w.split(":", 1)[1]) for w in words if w.startswith("score:")), None)
        tags = tuple(w for w in words if not w.startswith(("rating:", "score:")))
        base = thumb.split("?", 1)[0].replace("/thumbnails/", "/images/").replace("thumbnail_", "")
        stem = base.rsplit(".", 1)[0]
        urls = [f"{stem}.{ext}" for ext in GUESSED_EXTS]
        posts.append(Post(site=adapter.site_key, id=int(m.group("id")), md5=None,
                          tags=tuple(split_tags(" ".join(tags))),
                          rating=normalise_rating(rating), width=None, height=None,
                          file_url=urls[0], preview_url=thumb, score=score, file_ext="jpg",
                          fallback_urls=tuple(urls[1:])))
    last = _LAST_PAGE.search(text)
    total = None
    if last:
        total = int(last.group(1)) + HTML_PAGE_SIZE  # an upper bound: the last page may be short
    return Page(posts, None if total is None else total, raw_count=len(posts))
