"""Booru site adapters: one module per API family, all behind :class:`SiteAdapter`."""
from __future__ import annotations

from .base import (AuthRequired, BadResponse, Blocked, BooruError, ChallengeBlocked, Credentials,
                   DeepPagingRefused, NetworkError, Page, Post, PostUnavailable, RateLimited,
                   Request, SiteAdapter, Suggestion, TagLimitExceeded, Variant)
from .danbooru import DanbooruAdapter
from .gelbooru import GelbooruAdapter
from .moebooru import MoebooruAdapter
from .safebooru import SafebooruAdapter, SafebooruHtml

SITES: dict[str, type[SiteAdapter]] = {
    "safebooru": SafebooruAdapter,
    "gelbooru": GelbooruAdapter,
    "danbooru": DanbooruAdapter,
    "moebooru": MoebooruAdapter,
}
DEFAULT_SITE = "safebooru"

# Well-known instances of each engine, for the site picker.
KNOWN_HOSTS: dict[str, list[str]] = {
    "safebooru": ["https://safebooru.org"],
    "gelbooru": ["https://gelbooru.com"],
    "danbooru": ["https://danbooru.donmai.us", "https://safebooru.donmai.us"],
    "moebooru": ["https://konachan.net", "https://yande.re"],
}


def make_adapter(site: str, base_url: str | None = None,
                 credentials: Credentials | None = None) -> SiteAdapter:
    try:
        cls = SITES[site]
    except KeyError:
        raise BooruError(f"Unknown site {site!r}: choose one of {', '.join(SITES)}.") from None
    return cls(base_url, credentials)


__all__ = ["SITES", "DEFAULT_SITE", "KNOWN_HOSTS", "make_adapter", "SiteAdapter", "Post", "Page",
           "Request", "Suggestion", "Variant", "Credentials", "BooruError", "Blocked",
           "ChallengeBlocked", "AuthRequired", "RateLimited", "NetworkError", "TagLimitExceeded",
           "DeepPagingRefused", "BadResponse", "PostUnavailable", "SafebooruHtml"]
