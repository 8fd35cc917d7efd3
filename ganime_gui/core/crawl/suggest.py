"""Tag suggestions from a site's own autocomplete endpoint, for the tag entry and the hints.

Lookups go through the crawler's :class:`HttpClient`, so they wait on the same per-host clock as
a crawl of that site (one API request per polite interval), with a short retry policy: the user
is typing, and an old answer is worth less than a quick "no suggestions".
"""
from __future__ import annotations

from ganime_gui.core.boorus.base import BooruError, SiteAdapter, Suggestion

from .client import HttpClient, RetryPolicy

LOOKUP_POLICY = RetryPolicy(attempts=2, backoff_s=0.5, max_backoff_s=1.0, timeout_s=5.0)


def lookup_client() -> HttpClient:
    """A client for one-shot lookups (autocomplete, tag counts), on the shared clocks."""
    return HttpClient(policy=LOOKUP_POLICY, pool_size=2, max_body_bytes=2 << 20)


def suggest_tags(adapter: SiteAdapter, prefix: str, limit: int = 10,
                 client: HttpClient | None = None) -> list[Suggestion]:
    """Up to ``limit`` tags starting with ``prefix``, most used first; [] when the site has none.

    A leading '-' (an exclusion being typed) is not part of the tag. Network trouble raises
    :class:`BooruError`, so the caller can say so once instead of failing on every key.
    """
    prefix = prefix.strip().lstrip("-")
    if not prefix:
        return []
    request = adapter.autocomplete_request(prefix, limit)
    own = client is None
    client = client or lookup_client()
    try:
        resp = client.get(request)
    except BooruError as exc:
        raise BooruError(f"No tag suggestions from {adapter.host}: {exc}") from exc
    finally:
        if own:
            client.close()
    if resp.status_code == 404:
        return []
    adapter.check_error(resp.status_code, resp.headers, resp.content[:2000])
    found = adapter.parse_autocomplete(resp.content)
    # Sites that match anywhere in the name (Moebooru) list prefix matches first.
    found.sort(key=lambda s: not s.tag.startswith(prefix))
    return found[:limit]
