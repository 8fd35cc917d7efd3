"""Moebooru (konachan.net, konachan.com, yande.re): ``/post.json``.

Paging is by ``id:<N`` in the tags (pages are 1-based and slow deep down). ``jpeg_url`` is a
middle-sized variant between the sample and the (often PNG) original.
"""
from __future__ import annotations

from typing import Mapping

from .base import (Page, Post, Request, SiteAdapter, Suggestion, Variant, clean_md5,
                   ext_of, load_json, normalise_rating, parse_post_array, split_tags, to_int)
from .dapi import keyset_tags, parse_xml, raise_for_error_document


class MoebooruAdapter(SiteAdapter):
    name = "moebooru"
    title = "Moebooru (konachan.net)"
    default_base_url = "https://konachan.net"
    max_page_size = 100
    server_tag_limit = 6
    credential_help = "Your login name and password hash (Moebooru's API uses login + password_hash)."
    polite_interval_s = 1.0

    def _auth(self) -> dict:
        return ({"login": self.credentials.user, "password_hash": self.credentials.key}
                if self.credentials else {})

    def list_request(self, tags: list[str], before_id: int | None, limit: int) -> Request:
        return Request(self.url("post.json"), {"tags": keyset_tags(tags, before_id),
                                               "limit": min(limit, self.max_page_size),
                                               "page": 1, **self._auth()})

    def count_request(self, tags: list[str]) -> Request | None:
        return Request(self.url("post.xml"), {"tags": " ".join(tags), "limit": 1, **self._auth()})

    def parse_count(self, status: int, headers: Mapping[str, str], body: bytes) -> int | None:
        self.check_error(status, headers, body)
        if not body.strip():
            return 0
        root = parse_xml(body.strip())
        raise_for_error_document(root)
        return to_int(root.get("count"))

    def parse_list(self, status: int, headers: Mapping[str, str], body: bytes) -> Page:
        self.check_error(status, headers, body)
        return parse_post_array(self, body, self.post)

    def post(self, d: Mapping) -> Post | None:
        post_id = to_int(d.get("id"))
        file_url = self.absolute(d.get("file_url"))
        if post_id is None or not file_url:
            return None
        extra = []
        jpeg = self.absolute(d.get("jpeg_url"))
        if jpeg and jpeg != file_url:
            extra.append(Variant("jpeg", jpeg, to_int(d.get("jpeg_width")), to_int(d.get("jpeg_height"))))
        sample = self.absolute(d.get("sample_url"))
        if sample == file_url:
            sample = None
        return Post(
            site=self.site_key, id=post_id, md5=clean_md5(d.get("md5")),
            tags=split_tags(d.get("tags")), rating=normalise_rating(d.get("rating")),
            width=to_int(d.get("width")), height=to_int(d.get("height")), file_url=file_url,
            sample_url=sample,
            sample_width=to_int(d.get("sample_width")) if sample else None,
            sample_height=to_int(d.get("sample_height")) if sample else None,
            preview_url=self.absolute(d.get("preview_url")), source=d.get("source") or None,
            created_at=str(d["created_at"]) if d.get("created_at") else None,
            score=to_int(d.get("score")), file_ext=ext_of(file_url), extra_variants=tuple(extra),
        )

    def autocomplete_request(self, prefix: str, limit: int = 10) -> Request:
        # Moebooru matches ``name`` anywhere in the tag: ask for more, keep prefixes first.
        return Request(self.url("tag.json"), {"name": prefix, "order": "count", "limit": limit * 3})

    def parse_autocomplete(self, body: bytes) -> list[Suggestion]:
        data = load_json(body) or []
        return [Suggestion(str(t["name"]), to_int(t.get("count")), str(t["name"]))
                for t in (data if isinstance(data, list) else []) if isinstance(t, dict) and t.get("name")]
