"""Tag suggestions from a site's own autocomplete endpoint, for the tag entry."""
from __future__ import annotations

import requests

from ganime_gui.core.boorus.base import BooruError, SiteAdapter, Suggestion

from .client import USER_AGENT


def suggest_tags(adapter: SiteAdapter, prefix: str, limit: int = 10,
                 timeout_s: float = 5.0) -> list[Suggestion]:
    """Up to ``limit`` tags starting with ``prefix``, most used first; [] when the site has none.

    A leading '-' (an exclusion being typed) is not part of the tag. Network trouble raises
    :class:`BooruError`, so the caller can say so once instead of failing on every key.
    """
    prefix = prefix.strip().lstrip("-")
    if not prefix:
        return []
    request = adapter.autocomplete_request(prefix, limit)
    try:
        resp = requests.get(request.url, params=request.params, timeout=timeout_s,
                            headers={"User-Agent": USER_AGENT})
    except requests.RequestException as exc:
        raise BooruError(f"No tag suggestions from {adapter.host}: {type(exc).__name__}.") from exc
    if resp.status_code == 404:
        return []
    adapter.check_error(resp.status_code, resp.headers, resp.content[:2000])
    found = adapter.parse_autocomplete(resp.content)
    # Sites that match anywhere in the name (Moebooru) list prefix matches first.
    found.sort(key=lambda s: not s.tag.startswith(prefix))
    return found[:limit]
