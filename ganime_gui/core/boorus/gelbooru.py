"""gelbooru.com: the same DAPI as safebooru.org, in an envelope with a count, behind an API key.

Since mid-2025 every API call needs ``api_key`` and ``user_id`` (HTTP 401 without them).
"""
from __future__ import annotations

from typing import Mapping

from .base import Page, Request, SiteAdapter, Suggestion
from .dapi import DAPI_PATH, dapi_params, keyset_tags, parse_dapi_body
from .safebooru import parse_label_value_suggestions


class GelbooruAdapter(SiteAdapter):
    name = "gelbooru"
    title = "Gelbooru"
    default_base_url = "https://gelbooru.com"
    max_page_size = 100
    needs_credentials = True
    credential_help = ("Both are on gelbooru.com under My Account > Options > API Access "
                       "Credentials; the user id is the number after &user_id=.")
    polite_interval_s = 1.0

    def _auth(self) -> dict:
        if not self.credentials:
            return {}
        return {"api_key": self.credentials.key, "user_id": self.credentials.user}

    def list_request(self, tags: list[str], before_id: int | None, limit: int) -> Request:
        return Request(self.url(DAPI_PATH), dapi_params(
            json=1, limit=min(limit, self.max_page_size), pid=0,
            tags=keyset_tags(tags, before_id), **self._auth()))

    def parse_list(self, status: int, headers: Mapping[str, str], body: bytes) -> Page:
        self.check_error(status, headers, body)
        return parse_dapi_body(self, body)

    def autocomplete_request(self, prefix: str, limit: int = 10) -> Request:
        return Request(self.url(DAPI_PATH), {"page": "autocomplete2", "term": prefix,
                                             "type": "tag_query", "limit": limit})

    def parse_autocomplete(self, body: bytes) -> list[Suggestion]:
        return parse_label_value_suggestions(body)
