"""What a crawl asks for: tags, exclusions, blacklist and file filters, and how a site gets it.

Sites limit how many tags one search may hold (Danbooru: 2). The query sends what fits to the
server and checks everything else on each post here, so any site gets the same result.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Iterable

from ganime_gui.core.boorus.base import RATINGS, Post, SiteAdapter

# Tags that rarely make a single full-body figure; the tab offers them as a blacklist.
SUGGESTED_BLACKLIST = ("chibi", "multiple_girls", "2girls", "3girls", "multiple_boys", "comic",
                       "monochrome", "greyscale", "4koma", "text_focus")
DEFAULT_FILE_TYPES = ("jpg", "jpeg", "png", "gif", "webp")
SEED_TAGS = ("full_body", "solo", "standing", "1girl", "white_background")


def parse_tag_list(text: str | Iterable[str] | None) -> list[str]:
    """``"a b, -c"`` or a list, as clean tag names (spaces inside a tag are already '_')."""
    if text is None:
        return []
    if not isinstance(text, str):
        text = " ".join(text)
    out: list[str] = []
    for word in text.replace(",", " ").split():
        word = word.strip()
        if word and word not in out:
            out.append(word)
    return out


@dataclass
class CrawlQuery:
    tags: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    blacklist: list[str] = field(default_factory=list)
    ratings: list[str] = field(default_factory=list)      # empty: any rating
    min_width: int = 0
    min_height: int = 0
    min_aspect: float = 0.0                               # width / height; 0: no bound
    max_aspect: float = 0.0
    file_types: list[str] = field(default_factory=list)   # empty: any type
    limit: int = 0                                        # posts to keep; 0: all
    size: str = "original"                                # original | sample
    sample_min_px: int = 256

    def __post_init__(self) -> None:
        self.tags = parse_tag_list(self.tags)
        # "-tag" among the tags is an exclusion.
        self.exclude = parse_tag_list([t[1:] for t in self.tags if t.startswith("-")] + list(self.exclude))
        self.tags = [t for t in self.tags if not t.startswith("-")]
        self.blacklist = parse_tag_list(self.blacklist)
        self.ratings = [r for r in (str(x).lower() for x in self.ratings) if r in RATINGS]
        self.file_types = [t.lower().lstrip(".") for t in self.file_types]
        if self.size not in ("original", "sample"):
            raise ValueError(f"size must be 'original' or 'sample', not {self.size!r}")

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "CrawlQuery":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def describe(self) -> str:
        parts = [" ".join(self.tags) or "(all posts)"]
        if self.exclude:
            parts.append("without " + " ".join(self.exclude))
        if self.blacklist:
            parts.append(f"blacklist of {len(self.blacklist)}")
        return ", ".join(parts)


@dataclass(frozen=True)
class SitePlan:
    """How a query runs on one site: the server's part and the client's part."""

    server_tags: list[str]
    client_tags: list[str]        # required, checked here
    client_exclude: list[str]     # refused, checked here (exclusions and the blacklist)


def plan_for_site(query: CrawlQuery, adapter: SiteAdapter) -> SitePlan:
    wanted = list(query.tags) + [f"-{t}" for t in query.exclude]
    limit = adapter.server_tag_limit
    if limit is not None and adapter.cursor_is_a_tag:
        limit -= 1  # the keyset cursor "id:<N" takes one of the site's tag slots
    if limit is None:
        server = wanted
    else:
        # Included tags narrow the listing most, so they go to the server first.
        server = wanted[:limit]
    client_tags = [t for t in query.tags if t not in server]
    client_exclude = [t for t in query.exclude if f"-{t}" not in server]
    client_exclude += [t for t in query.blacklist if t not in client_exclude]
    return SitePlan(server, client_tags, client_exclude)


def filter_reason(post: Post, query: CrawlQuery, plan: SitePlan) -> str | None:
    """Why this post is left out, in words; None when it is kept."""
    tags = set(post.tags)
    missing = [t for t in plan.client_tags if t not in tags]
    if missing:
        return f"lacks tag {missing[0]}"
    banned = [t for t in plan.client_exclude if t in tags]
    if banned:
        return f"has excluded tag {banned[0]}"
    if query.ratings and post.rating not in query.ratings:
        return f"rating {post.rating or 'unknown'}"
    if post.width is not None and post.height is not None:
        if post.width < query.min_width or post.height < query.min_height:
            return f"too small ({post.width}×{post.height})"
        if post.height > 0:
            aspect = post.width / post.height
            if query.min_aspect and aspect < query.min_aspect:
                return f"aspect {aspect:.2f} below {query.min_aspect:g}"
            if query.max_aspect and aspect > query.max_aspect:
                return f"aspect {aspect:.2f} above {query.max_aspect:g}"
    if query.file_types:
        ext = (post.file_ext or "").lower()
        if ext == "jpeg":
            ext = "jpg"
        allowed = {"jpg" if t == "jpeg" else t for t in query.file_types}
        if ext and ext not in allowed:
            return f"file type {ext}"
    return None
