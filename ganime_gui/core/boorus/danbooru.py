"""Danbooru (danbooru.donmai.us, and its SFW mirror safebooru.donmai.us): ``/posts.json``.

Anonymous users may search 2 tags at a time and go 1000 pages deep; the ``page=b<id>`` cursor
has no depth limit, so paging is always by cursor. Posts without md5/file_url (restricted or
banned) are skipped. Since 2022 the rating letter ``s`` means *sensitive*.
"""
from __future__ import annotations

from typing import Mapping

from .base import (BadResponse, DeepPagingRefused, Page, Post, Request, SiteAdapter, Suggestion,
                   TagLimitExceeded, Variant, clean_md5, ext_of, load_json, normalise_rating, parse_post_array,
                   raise_for_status, split_tags, to_int)


class DanbooruAdapter(SiteAdapter):
    name = "danbooru"
    title = "Danbooru"
    default_base_url = "https://danbooru.donmai.us"
    max_page_size = 200
    server_tag_limit = 2
    cursor_is_a_tag = False
    credential_help = "Your login name and an API key from danbooru.donmai.us > My Account > API Key."
    polite_interval_s = 1.0

    def _auth(self) -> dict:
        return {"login": self.credentials.user, "api_key": self.credentials.key} if self.credentials else {}

    def list_request(self, tags: list[str], before_id: int | None, limit: int) -> Request:
        params = {"tags": " ".join(tags), "limit": min(limit, self.max_page_size),
                  "page": f"b{before_id}" if before_id is not None else 1, **self._auth()}
        return Request(self.url("posts.json"), params)

    def count_request(self, tags: list[str]) -> Request | None:
        return Request(self.url("counts/posts.json"), {"tags": " ".join(tags), **self._auth()})

    def parse_count(self, status: int, headers: Mapping[str, str], body: bytes) -> int | None:
        self.check_error(status, headers, body)
        data = load_json(body) or {}
        counts = data.get("counts") if isinstance(data, dict) else None
        return to_int(counts.get("posts")) if isinstance(counts, dict) else None

    def check_error(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        if status in (410, 422):
            try:
                data = load_json(body) or {}
            except BadResponse:
                data = {}
            message = str(data.get("message") or "") if isinstance(data, dict) else ""
            if status == 410 or "page" in message.lower():
                raise DeepPagingRefused(f"Danbooru refuses to page this deep: {message}")
            if "tag" in message.lower():
                raise TagLimitExceeded(f"Danbooru refused the query: {message} The crawler sends at "
                                       f"most {self.server_tag_limit} tags and filters the rest itself.")
        raise_for_status(self, status, headers, body)

    def parse_list(self, status: int, headers: Mapping[str, str], body: bytes) -> Page:
        self.check_error(status, headers, body)
        return parse_post_array(self, body, self.post)

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


def _sample_size(d: Mapping) -> tuple[int | None, int | None]:
    """Danbooru samples are 850 px wide (never wider than the original) when no variant says."""
    w, h = to_int(d.get("image_width")), to_int(d.get("image_height"))
    if not w or not h:
        return None, None
    if w <= 850:
        return w, h
    return 850, round(h * 850 / w)

