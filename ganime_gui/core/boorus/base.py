"""What every booru adapter shares: the Post record, the adapter interface and the errors.

An adapter knows one site's URLs, parameters and response shapes and nothing else: it builds
requests and parses responses, but never performs HTTP itself (the crawler does, with politeness
and retries), so every parser is testable on a saved response.
"""
from __future__ import annotations

import datetime
import email.utils
import html
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import urljoin, urlsplit

from ganime_gui.core.jobs import UserError

RATINGS = ("general", "sensitive", "questionable", "explicit")
# Every spelling sites use, mapped to one vocabulary. "safe" is the pre-2022 word for general.
_RATING_WORDS = {
    "g": "general", "general": "general", "s": "general", "safe": "general",
    "sensitive": "sensitive", "q": "questionable", "questionable": "questionable",
    "e": "explicit", "explicit": "explicit",
}


def normalise_rating(value: Any, *, s_means: str = "general") -> str | None:
    """One rating vocabulary for every site. ``s_means`` is 'sensitive' on Danbooru since 2022."""
    if value is None:
        return None
    word = str(value).strip().lower()
    if word == "s":
        return s_means
    return _RATING_WORDS.get(word)


# -- errors ------------------------------------------------------------------------------------
class BooruError(UserError):
    """A site answered in a way the crawler cannot continue past on its own."""

    kind = "error"


class Blocked(BooruError):
    """The site refuses us; retrying now will not help."""

    kind = "blocked"


class ChallengeBlocked(Blocked):
    kind = "challenge"


class AuthRequired(Blocked):
    kind = "auth"


class RateLimited(Blocked):
    kind = "rate_limit"

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class NetworkError(Blocked):
    kind = "network"


class TagLimitExceeded(BooruError):
    kind = "tag_limit"


class DeepPagingRefused(BooruError):
    """The site refuses an offset or page number this deep (keyset paging avoids it)."""

    kind = "deep_paging"


class PostUnavailable(BooruError):
    """One post's page or file is not available (taken down, restricted): skip that post."""

    kind = "post_unavailable"


class BadResponse(BooruError):
    """The body is not what the site's API returns (HTML error page, garbage, truncated JSON)."""

    kind = "bad_response"


# -- records -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Variant:
    """One downloadable rendition of a post (original, sample, jpeg, ...)."""

    kind: str
    url: str
    width: int | None = None
    height: int | None = None

    @property
    def long_side(self) -> int | None:
        if self.width is None or self.height is None:
            return None
        return max(self.width, self.height)


@dataclass(frozen=True)
class Post:
    site: str
    id: int
    md5: str | None
    tags: tuple[str, ...]
    rating: str | None
    width: int | None
    height: int | None
    file_url: str | None
    sample_url: str | None = None
    sample_width: int | None = None
    sample_height: int | None = None
    preview_url: str | None = None
    source: str | None = None
    created_at: str | None = None
    score: int | None = None
    file_ext: str | None = None
    # Other variants (Danbooru's media_asset, Moebooru's jpeg) and, for HTML scraping, the
    # extension guesses to try when the first URL answers 404.
    extra_variants: tuple[Variant, ...] = ()
    fallback_urls: tuple[str, ...] = ()

    def variants(self) -> list[Variant]:
        out: list[Variant] = []
        if self.file_url:
            out.append(Variant("original", self.file_url, self.width, self.height))
        if self.sample_url and self.sample_url != self.file_url:
            out.append(Variant("sample", self.sample_url, self.sample_width, self.sample_height))
        seen = {v.url for v in out}
        out.extend(v for v in self.extra_variants if v.url not in seen)
        return out

    def to_json(self) -> dict:
        return {
            "site": self.site, "id": self.id, "md5": self.md5, "tags": list(self.tags),
            "rating": self.rating, "width": self.width, "height": self.height,
            "file_url": self.file_url, "sample_url": self.sample_url,
            "sample_width": self.sample_width, "sample_height": self.sample_height,
            "preview_url": self.preview_url, "source": self.source,
            "created_at": self.created_at, "score": self.score, "file_ext": self.file_ext,
            "extra_variants": [[v.kind, v.url, v.width, v.height] for v in self.extra_variants],
            "fallback_urls": list(self.fallback_urls),
        }

    @classmethod
    def from_json(cls, data: Mapping) -> "Post":
        data = dict(data)
        data["tags"] = tuple(data.get("tags") or ())
        data["extra_variants"] = tuple(Variant(*v) for v in data.get("extra_variants") or ())
        data["fallback_urls"] = tuple(data.get("fallback_urls") or ())
        return cls(**data)


@dataclass
class Page:
    """One list response: the posts on it and, where the site says, the total for the query."""

    posts: list[Post]
    total: int | None = None
    raw_count: int = 0          # entries on the page before unusable ones were dropped
    skipped: int = 0            # entries without a file URL or md5 (restricted, banned)
    min_id: int | None = None   # the lowest post id among all entries: the next keyset cursor

    def __post_init__(self) -> None:
        if self.min_id is None and self.posts:
            self.min_id = min(p.id for p in self.posts)


@dataclass(frozen=True)
class Request:
    url: str
    params: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Credentials:
    user: str = ""
    key: str = ""

    def __bool__(self) -> bool:
        return bool(self.user and self.key)

    def __repr__(self) -> str:  # never print a key, even in a traceback
        return f"Credentials(user={self.user!r}, key={'***' if self.key else ''!r})"


@dataclass(frozen=True)
class Suggestion:
    tag: str
    count: int | None = None
    label: str = ""


class SiteAdapter:
    """One booru API. Subclasses set the class attributes and implement the hooks."""

    name = ""
    title = ""
    default_base_url = ""
    max_page_size = 100
    server_tag_limit: int | None = None     # None: no limit worth enforcing
    cursor_is_a_tag = True                  # paging adds "id:<N" to the tags (not Danbooru's b<N>)
    needs_credentials = False
    credential_help = ""
    # Polite default: the fewest seconds between two requests to the same host.
    polite_interval_s = 1.0

    def __init__(self, base_url: str | None = None, credentials: Credentials | None = None):
        self.base_url = normalise_base_url(base_url or self.default_base_url)
        self.credentials = credentials or Credentials()

    @property
    def site_key(self) -> str:
        """The catalog's name for this site: another instance of the engine is another site."""
        if self.base_url == normalise_base_url(self.default_base_url):
            return self.name
        return f"{self.name}@{urlsplit(self.base_url).netloc}"

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    def url(self, path: str) -> str:
        return urljoin(self.base_url + "/", path.lstrip("/"))

    def absolute(self, url: str | None) -> str | None:
        return absolute_url(self.base_url, url)

    # -- hooks -------------------------------------------------------------------------------
    def list_request(self, tags: list[str], before_id: int | None, limit: int) -> Request:
        """The request for the newest ``limit`` posts matching ``tags`` with id < before_id."""
        raise NotImplementedError

    def parse_list(self, status: int, headers: Mapping[str, str], body: bytes) -> Page:
        raise NotImplementedError

    def count_request(self, tags: list[str]) -> Request | None:
        """A request whose answer tells the total for ``tags``; None when the list says it."""
        return None

    def parse_count(self, status: int, headers: Mapping[str, str], body: bytes) -> int | None:
        return None

    def autocomplete_request(self, prefix: str, limit: int = 10) -> Request:
        raise NotImplementedError

    def parse_autocomplete(self, body: bytes) -> list[Suggestion]:
        raise NotImplementedError

    def check_error(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        """Raise the right error for a non-2xx answer or an error document. Shared + per site."""
        raise_for_status(self, status, headers, body)

    def describe_missing_credentials(self) -> str:
        return (f"{self.title} needs an API key: enter your user id and API key in the site "
                f"settings. {self.credential_help}").strip()


# -- helpers shared by the adapters ------------------------------------------------------------
def normalise_base_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if url and "://" not in url:
        url = "https://" + url
    return url


def absolute_url(base_url: str, url: str | None) -> str | None:
    """Turn protocol-relative, root-relative and domain-doubled URLs into absolute ones."""
    if not url:
        return None
    url = html.unescape(str(url).strip())
    scheme = urlsplit(base_url).scheme or "https"
    if url.startswith("//"):
        url = f"{scheme}:{url}"
    elif not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I):
        url = urljoin(base_url + "/", url)
    # 2016-era Safebooru: "http://safebooru.org//safebooru.org/thumbnails/..."
    parts = urlsplit(url)
    doubled = f"//{parts.netloc}/"
    if parts.path.startswith(doubled[1:]) or parts.path.startswith(doubled):
        path = parts.path.lstrip("/")[len(parts.netloc):]
        url = f"{parts.scheme}://{parts.netloc}{path}" + (f"?{parts.query}" if parts.query else "")
    return url


def split_tags(value: Any) -> tuple[str, ...]:
    """Space-joined tags, possibly HTML-escaped (gelbooru.com), as a tuple of tag names."""
    if not value:
        return ()
    return tuple(html.unescape(t) for t in str(value).split() if t)


def min_entry_id(entries: list) -> int | None:
    """The lowest id among raw entries, kept or not: paging must pass skipped posts too."""
    ids = [i for i in (to_int(e.get("id")) for e in entries if isinstance(e, dict)) if i is not None]
    return min(ids) if ids else None


def to_int(value: Any) -> int | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


_MD5 = re.compile(r"^[0-9a-f]{32}$")


def clean_md5(value: Any) -> str | None:
    if not value:
        return None
    value = str(value).strip().lower()
    return value if _MD5.match(value) else None


def ext_of(url: str | None) -> str | None:
    if not url:
        return None
    path = urlsplit(url).path
    if "." not in path.rsplit("/", 1)[-1]:
        return None
    ext = path.rsplit(".", 1)[-1].lower()
    return ext if re.fullmatch(r"[a-z0-9]{1,5}", ext) else None


def load_json(body: bytes) -> Any:
    """JSON or None for an empty body (some sites answer an empty result with nothing at all)."""
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadResponse(f"The site sent something that is not JSON: {text[:120]!r}") from exc
    except RecursionError as exc:
        raise BadResponse("The site sent JSON nested too deeply to be a real answer; refused "
                          "it.") from exc


def parse_post_array(adapter: "SiteAdapter", body: bytes, make_post) -> Page:
    """A JSON array of posts (Danbooru, Moebooru): also one object, an empty body, an error."""
    data = load_json(body)
    if data is None:
        return Page([])
    if isinstance(data, dict):
        if data.get("success") is False:
            raise BadResponse(f"{adapter.title} reported an error: "
                              f"{data.get('message') or data.get('reason')}")
        data = [data]
    if not isinstance(data, list):
        raise BadResponse(f"Unexpected answer from {adapter.title}: {body[:120]!r}")
    posts = [p for p in (make_post(d) for d in data if isinstance(d, dict)) if p is not None]
    return Page(posts, None, raw_count=len(data), skipped=len(data) - len(posts),
                min_id=min_entry_id(data))


def looks_like_challenge(status: int, headers: Mapping[str, str], body: bytes) -> bool:
    h = {k.lower(): str(v).lower() for k, v in headers.items()}
    if h.get("cf-mitigated") == "challenge":
        return True
    if b"_cf_chl_opt" in body[:65536] or b"challenge-platform" in body[:65536]:
        return True
    return status in (403, 503) and h.get("server", "") == "cloudflare"


def parse_retry_after(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: a number of seconds or an HTTP date
    (``Wed, 21 Oct 2015 07:28:00 GMT``); None when absent or unreadable."""
    for k, v in headers.items():
        if k.lower() != "retry-after":
            continue
        text = str(v).strip()
        try:
            return max(0.0, float(text))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        return max(0.0, when.timestamp() - (time.time() if now is None else now))
    return None


def raise_for_status(adapter: SiteAdapter, status: int, headers: Mapping[str, str],
                     body: bytes) -> None:
    host = adapter.host
    if looks_like_challenge(status, headers, body):
        raise ChallengeBlocked(
            f"{host} answered with a Cloudflare challenge (HTTP {status}): it wants a browser. "
            f"Wait a while and resume, or try another mirror of the site.")
    text = body[:2000].decode("utf-8", "replace")
    if status == 401 or "Missing authentication" in text:
        raise AuthRequired(adapter.describe_missing_credentials()
                           if not adapter.credentials else
                           f"{host} refused the user id and API key (HTTP {status}). Check them in "
                           f"the site settings. {adapter.credential_help}".strip())
    if status in (429, 421):
        raise RateLimited(f"{host} says we are going too fast (HTTP {status}).",
                          parse_retry_after(headers))
    if status >= 500:
        raise NetworkError(f"{host} has a server error (HTTP {status}).")
    if status == 403:
        raise Blocked(f"{host} refused access (HTTP 403). {text[:200]}".strip())
    if status >= 400:
        raise BadResponse(f"{host} answered HTTP {status}: {text[:200]}".strip())
