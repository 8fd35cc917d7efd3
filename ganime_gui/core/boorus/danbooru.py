"""Danbooru (danbooru.donmai.us, and its SFW mirror safebooru.donmai.us): ``/posts.json``.

Anonymous users may search 2 tags at a time and go 1000 pages deep; the ``page=b<id>`` cursor
has no depth limit, so paging is always by cursor. Posts without md5/file_url (restricted or
banned) are skipped. Since 2022 the rating letter ``s`` means *sensitive*.

Credentials (login name and API key) go as HTTP Basic auth, never in the URL, so no request
line or log shows the key. Assumption: whoever gives a key has a Gold account and may search 6
tags. A Member's key still has the limit 2: the server then answers 422, and the adapter falls
back for the rest of the crawl to sending 2 tags and filtering the others itself (the posts it
drops count as skipped, so paging and the totals still follow the server's listing).

A post taken down (HTTP 451) is skipped with a note; a listing taken down ends the crawl with
that reason, since a withheld page hides which posts it held.
"""
from __future__ import annotations

import base64
from typing import Mapping

from .base import (AuthRequired, BadResponse, BooruError, Credentials, DeepPagingRefused, Page, Post,
                   PostUnavailable, Request, SiteAdapter, Suggestion, TagLimitExceeded, Variant, clean_md5,
                   ext_of, load_json, normalise_rating, parse_post_array, raise_for_status, split_tags,
                   to_int)

MEMBER_TAG_LIMIT = 2   # anonymous and Member accounts
GOLD_TAG_LIMIT = 6     # Gold; Platinum has no limit, but 6 is what a key holder is assumed to have


class DanbooruAdapter(SiteAdapter):
    name = "danbooru"
    title = "Danbooru"
    default_base_url = "https://danbooru.donmai.us"
    max_page_size = 200
    cursor_is_a_tag = False
    credential_help = "Your login name and an API key from danbooru.donmai.us > My Account > API Key."
    polite_interval_s = 1.0

    def __init__(self, base_url: str | None = None, credentials: Credentials | None = None):
        super().__init__(base_url, credentials)
        self.member_fallback = False      # a key holder's 6 tags were refused: send 2 from now on
        self._sent: list[str] = []        # the tags of the last list or count request
        self._post_filter: list[str] = []  # the tags of that request left to check here

    @property
    def server_tag_limit(self) -> int:
        if self.credentials and not self.member_fallback:
            return GOLD_TAG_LIMIT
        return MEMBER_TAG_LIMIT

    def _headers(self) -> dict:
        if not self.credentials:
            return {}
        token = base64.b64encode(f"{self.credentials.user}:{self.credentials.key}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def _split(self, tags: list[str]) -> str:
        """The tags this request sends; in fallback mode the rest is kept for :meth:`parse_list`."""
        limit = MEMBER_TAG_LIMIT if self.member_fallback else len(tags)
        self._sent, self._post_filter = list(tags[:limit]), list(tags[limit:])
        return " ".join(self._sent)

    def list_request(self, tags: list[str], before_id: int | None, limit: int) -> Request:
        params = {"tags": self._split(tags), "limit": min(limit, self.max_page_size),
                  "page": f"b{before_id}" if before_id is not None else 1}
        return Request(self.url("posts.json"), params, self._headers())

    def count_request(self, tags: list[str]) -> Request | None:
        return Request(self.url("counts/posts.json"), {"tags": self._split(tags)}, self._headers())

    def parse_count(self, status: int, headers: Mapping[str, str], body: bytes) -> int | None:
        if self._fall_back_on(status, body) or status == 451:
            return None   # no total: the crawl pages until the server's listing ends
        self.check_error(status, headers, body)
        data = load_json(body) or {}
        counts = data.get("counts") if isinstance(data, dict) else None
        return to_int(counts.get("posts")) if isinstance(counts, dict) else None

    def _fall_back_on(self, status: int, body: bytes) -> bool:
        """On a tag-limit 422 for more than 2 tags sent with a key: the key is a Member's.
        Switch to 2 server tags plus the post-filter; True when it did."""
        if (status != 422 or self.member_fallback or len(self._sent) <= MEMBER_TAG_LIMIT
                or "tag" not in _message(body).lower()):
            return False
        self.member_fallback = True
        return True

    def check_error(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        if status in (410, 422):
            message = _message(body)
            if status == 410 or "page" in message.lower():
                raise DeepPagingRefused(f"Danbooru refuses to page this deep: {message}")
            if "tag" in message.lower():
                raise TagLimitExceeded(f"Danbooru refused the query: {message} The crawler sends at "
                                       f"most {self.server_tag_limit} tags and filters the rest itself.")
        if status == 401 and self.credentials:
            raise AuthRequired(f"{self.host} refused the login name and API key (HTTP 401: "
                               f"{_message(body) or 'authentication failed'}). Check them in the "
                               f"site settings. {self.credential_help}")
        if status == 451:
            # Only a file or a single post gets here from a download: skip that post, go on.
            raise PostUnavailable(f"taken down: {self.host} removed it because of a takedown "
                                 f"request (HTTP 451); skipped")
        raise_for_status(self, status, headers, body)

    def parse_list(self, status: int, headers: Mapping[str, str], body: bytes) -> Page:
        if self._fall_back_on(status, body):
            # The crawler asks again when a page comes back empty before the end: the next
            # request carries 2 tags.
            return Page([])
        if status == 451:
            raise BooruError(f"{self.host} has removed this listing because of a takedown "
                             f"request (HTTP 451); the posts on it cannot be listed. "
                             f"Change the tags to crawl around it.")
        self.check_error(status, headers, body)
        page = parse_post_array(self, body, self.post)
        if not self._post_filter:
            return page
        kept = [p for p in page.posts if _matches(p, self._post_filter)]
        return Page(kept, page.total, raw_count=page.raw_count,
                    skipped=page.skipped + len(page.posts) - len(kept), min_id=page.min_id)

    def post(self, d: Mapping) -> Post | None:
        post_id = to_int(d.get("id"))
        md5 = clean_md5(d.get("md5"))
        file_url = self.absolute(d.get("file_url"))
        if post_id is None or not file_url or not md5:
            return None  # restricted or banned: the API hides the file
        variants = []
        for v in (d.get("media_asset") or {}).get("variants") or []:
            if v.get("type") == "original" or not v.get("url"):
                continue
            variants.append(Variant(str(v["type"]), self.absolute(v["url"]),
                                    to_int(v.get("width")), to_int(v.get("height"))))
        large = self.absolute(d.get("large_file_url"))
        sample = next((v for v in variants if v.kind == "sample"), None)
        if sample is None and large and large != file_url:
            sample = Variant("sample", large, *_sample_size(d))
        return Post(
            site=self.site_key, id=post_id, md5=md5, tags=split_tags(d.get("tag_string")),
            rating=normalise_rating(d.get("rating"), s_means="sensitive"),
            width=to_int(d.get("image_width")), height=to_int(d.get("image_height")),
            file_url=file_url,
            sample_url=sample.url if sample else None,
            sample_width=sample.width if sample else None,
            sample_height=sample.height if sample else None,
            preview_url=self.absolute(d.get("preview_file_url")),
            source=d.get("source") or None, created_at=d.get("created_at"),
            score=to_int(d.get("score")), file_ext=(d.get("file_ext") or ext_of(file_url)),
            extra_variants=tuple(v for v in variants if v.kind != "sample"),
        )

    def autocomplete_request(self, prefix: str, limit: int = 10) -> Request:
        return Request(self.url("autocomplete.json"), {"search[query]": prefix,
                                                       "search[type]": "tag_query", "limit": limit})

    def parse_autocomplete(self, body: bytes) -> list[Suggestion]:
        data = load_json(body) or []
        out = []
        for item in data if isinstance(data, list) else []:
            if isinstance(item, dict) and item.get("value"):
                out.append(Suggestion(str(item["value"]), to_int(item.get("post_count")),
                                      str(item.get("label") or item["value"])))
        return out


def _message(body: bytes) -> str:
    """The ``message`` of a Danbooru error document, or ''."""
    try:
        data = load_json(body) or {}
    except BadResponse:
        return ""
    return str(data.get("message") or data.get("reason") or "") if isinstance(data, dict) else ""


def _matches(post: Post, terms: list[str]) -> bool:
    """The client's half of a query: every tag present, every ``-tag`` absent."""
    tags = set(post.tags)
    return all((t[1:] not in tags) if t.startswith("-") else (t in tags) for t in terms)


def _sample_size(d: Mapping) -> tuple[int | None, int | None]:
    """Danbooru samples are 850 px wide (never wider than the original) when no variant says."""
    w, h = to_int(d.get("image_width")), to_int(d.get("image_height"))
    if not w or not h:
        return None, None
    if w <= 850:
        return w, h
    return 850, round(h * 850 / w)

