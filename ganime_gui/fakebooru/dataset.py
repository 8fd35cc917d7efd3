"""The seeded post catalogue a fake booru serves.

Post metadata (tags, rating, size, names) is made up front from the seed, which takes about
half a second for 20 000 posts and runs on first use. Pictures are drawn only when a post's bytes
or md5 are first needed (a listing that shows the md5, or a file request) and then cached: the
md5s and sizes for good, the bytes in a bounded LRU cache (they can always be drawn again).
"""
from __future__ import annotations

import hashlib
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

from PIL import Image

from ganime_gui.fakebooru import figures

GENERAL, ARTIST, COPYRIGHT, CHARACTER, META = 0, 1, 3, 4, 5
TAG_TYPE_NAMES = {GENERAL: "general", ARTIST: "artist", COPYRIGHT: "copyright",
                  CHARACTER: "character", META: "metadata"}

# Made-up but realistically shaped names; some carry characters that real sites HTML-escape.
COPYRIGHTS = {
    "touhou": ("hakurei_reimu", "kirisame_marisa", "remilia_scarlet"),
    "vocaloid": ("hatsune_miku", "kagamine_rin"),
    "kantai_collection": ("shimakaze_(kancolle)", "hibiki_(kancolle)"),
    "fate_(series)": ("saber_(fate)", "jeanne_d'arc_(fate)"),
    "idolmaster": ("shimamura_uzuki", "amami_haruka"),
}
ARTISTS = tuple(f"{a}_{b}" for a in ("yamada", "kuro", "mizu", "sora", "hoshi", "neko")
                for b in ("taro", "ink", "(studio)", "pen"))
FLAVOUR = figures.FLAVOUR_TAGS + (">_<", ":d", "commentary_request")
SPECIAL_TYPES = {"original": COPYRIGHT, "highres": META, "absurdres": META, "commentary_request": META}
RATINGS = ("general", "sensitive", "questionable", "explicit")
FORMAT_WEIGHTS = (("jpg", 0.65), ("png", 0.30), ("gif", 0.05))
CONTENT_TYPES = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "gif": "image/gif"}
FIRST_CREATED = 1_420_070_400  # 2015-01-01


@dataclass(frozen=True)
class Post:
    index: int            # position in the catalogue, oldest first
    id: int
    spec: figures.FigureSpec
    width: int
    height: int
    ext: str
    legacy_name: str      # a 40-hex file stem for older posts, "" when the file is named by md5
    rating: str           # general | sensitive | questionable | explicit
    tags: tuple[str, ...]
    score: int
    created: int          # unix time
    change: int
    source: str
    draw_seed: int
    duplicate_of: int     # index of the post this one nearly copies, -1 if none
    creator_id: int

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.ext]

    @property
    def tag_string(self) -> str:
        return " ".join(self.tags)


class Dataset:
    """``posts`` seeded posts; ``min_height``/``max_height`` bound the pictures' heights."""

    def __init__(self, posts: int = 200, seed: int = 1, *, min_height: int = 500,
                 max_height: int = 1500, legacy_fraction: float = 0.4,
                 chibi_fraction: float = 0.2, cache_bytes: int = 256 << 20):
        self.size = posts
        self.seed = seed
        self.min_height, self.max_height = min_height, max_height
        self.legacy_fraction = legacy_fraction
        self.chibi_fraction = chibi_fraction
        self._posts: list[Post] | None = None
        self._built = threading.Lock()
        self._md5: dict[int, str] = {}
        self._file_size: dict[int, int] = {}
        self._by_md5: dict[str, int] = {}
        self._by_legacy: dict[str, int] = {}
        self._by_id: dict[int, int] = {}
        self._tag_index: dict[str, set[int]] = {}
        self.tag_types: dict[str, int] = {}
        self._tag_rows: list | None = None
        self._parents: set[int] | None = None
        self._cache: OrderedDict[tuple, bytes] = OrderedDict()
        self._cache_bytes = 0
        self._cache_limit = cache_bytes
        self._cache_lock = threading.Lock()
        self._memo: OrderedDict = OrderedDict()
        self._draw_locks = [threading.Lock() for _ in range(64)]
        # post -> other bytes for its file (a fault: a bomb, a repost), or None for its own
        self.substitute: Callable[[Post], bytes | None] | None = None

    def forget_file_identities(self) -> None:
        """The files' md5s are computed again (after the faults that change bytes changed)."""
        self._md5.clear()
        self._file_size.clear()
        self._by_md5.clear()

    # -- catalogue -------------------------------------------------------------------------------
    @property
    def posts(self) -> list[Post]:
        if self._posts is None:
            with self._built:
                if self._posts is None:
                    self._build()
        return self._posts  # type: ignore[return-value]

    def _build(self) -> None:
        rng = random.Random(self.seed)
        next_id = 1_000 + rng.randrange(1000)
        posts = []
        for i in range(self.size):
            next_id += rng.choice((1, 1, 1, 2, 3, 7))  # deleted posts leave gaps
            posts.append(self._make_post(i, next_id, posts))
        index: dict[str, set[int]] = {}
        for p in posts:
            for t in p.tags:
                index.setdefault(t, set()).add(p.index)
            if p.legacy_name:
                self._by_legacy[p.legacy_name] = p.index
            self._by_id[p.id] = p.index
        self._tag_index = index
        self._posts = posts

    def _make_post(self, i: int, post_id: int, earlier: list[Post]) -> Post:
        rng = random.Random(f"{self.seed}:{i}")
        spec = figures.random_spec(rng, chibi_fraction=self.chibi_fraction)
        width, height = figures.figure_size(spec, rng.randint(self.min_height, self.max_height), rng)
        dup = rng.randrange(max(1, i - 50), i) if i > 2 and rng.random() < 0.01 else -1
        if dup >= 0:  # a re-upload: the same picture, so the same ground truth and size
            spec, width, height = earlier[dup].spec, earlier[dup].width, earlier[dup].height
        ext = rng.choices([f for f, _ in FORMAT_WEIGHTS], [w for _, w in FORMAT_WEIGHTS])[0]
        tags = set(spec.tags(noise=0.03, seed=rng.getrandbits(32)))
        tags.update(rng.sample(FLAVOUR, rng.randint(1, 3)))
        types = {t: SPECIAL_TYPES.get(t, GENERAL) for t in tags}
        copyright = rng.choice([*COPYRIGHTS, "original", "original"])
        types[copyright] = COPYRIGHT
        if copyright != "original":
            for name in rng.sample(COPYRIGHTS[copyright], spec.n_characters):
                types[name] = CHARACTER
        types[rng.choice(ARTISTS)] = ARTIST
        if height >= 1200 or width >= 1600:
            types["highres"] = META
        for t, kind in types.items():
            self.tag_types.setdefault(t, kind)
        legacy = i < self.size * self.legacy_fraction
        created = FIRST_CREATED + i * 3600 + rng.randrange(3600)
        return Post(
            index=i, id=post_id, spec=spec, width=width, height=height, ext=ext,
            legacy_name=hashlib.sha1(f"{self.seed}/{post_id}".encode()).hexdigest() if legacy else "",
            rating=rng.choices(RATINGS[:3], (0.85, 0.12, 0.03))[0],
            tags=tuple(sorted(types)), score=int(rng.expovariate(1 / 8)), created=created,
            change=created + rng.randrange(10**7),
            source=(f"https://www.pixiv.net/artworks/{rng.randrange(10**7, 10**8)}"
                    if rng.random() < 0.7 else ""),
            draw_seed=rng.getrandbits(32), duplicate_of=dup, creator_id=rng.randrange(1, 500_000))

    def by_id(self, post_id: int) -> Post | None:
        self.posts
        i = self._by_id.get(post_id)
        return None if i is None else self._posts[i]

    def by_legacy_name(self, stem: str) -> Post | None:
        self.posts
        i = self._by_legacy.get(stem)
        return None if i is None else self._posts[i]

    def by_md5(self, md5: str, among: Sequence[Post] | None = None) -> Post | None:
        """The post whose file has this md5. Clients learn md5s from listings, which compute them,
        so this is a dict hit; otherwise (a URL kept from an earlier run) the md5s of ``among``
        (default: every post, which draws them all) are computed until it turns up."""
        i = self._by_md5.get(md5)
        if i is None and len(self._by_md5) < self.size:
            return next((p for p in (self.posts if among is None else among) if self.md5(p) == md5), None)
        return None if i is None else self.posts[i]

    def by_stem(self, stem: str, among: Sequence[Post] | None = None) -> Post | None:
        """A post by its file stem: a 40-hex legacy name or a 32-hex md5 (see :meth:`by_md5`)."""
        if len(stem) == 40:
            return self.by_legacy_name(stem)
        if len(stem) == 32:
            post = self.by_md5(stem, among)
            return post if post is not None and not post.legacy_name else None
        return None

    def parent_id(self, post: Post) -> int:
        """Near-copies point at the post they copy, as re-uploads do on real sites; else 0."""
        return self.posts[post.duplicate_of].id if post.duplicate_of >= 0 else 0

    def tag_index(self) -> dict[str, set[int]]:
        self.posts
        return self._tag_index

    def tag_counts(self) -> dict[str, int]:
        return {t: len(s) for t, s in self.tag_index().items()}

    def tag_type(self, tag: str) -> int:
        return self.tag_types.get(tag, GENERAL)

    def tag_rows(self) -> list[tuple[int, str, int, int]]:
        """(id, name, post count, type) of every tag, ids numbered in name order."""
        if self._tag_rows is None:
            counts = self.tag_counts()
            self._tag_rows = [(i + 1, t, counts[t], self.tag_type(t)) for i, t in enumerate(sorted(counts))]
        return self._tag_rows

    def has_children(self, post: Post) -> bool:
        if self._parents is None:
            self._parents = {p.duplicate_of for p in self.posts if p.duplicate_of >= 0}
        return post.index in self._parents

    def remember(self, key, make):
        """``make()``, kept for the same ``key`` among the last 64 (query results)."""
        with self._cache_lock:
            if key in self._memo:
                self._memo.move_to_end(key)
                return self._memo[key]
        value = make()
        with self._cache_lock:
            self._memo[key] = value
            while len(self._memo) > 64:
                self._memo.popitem(last=False)
        return value

    # -- pictures --------------------------------------------------------------------------------
    def image(self, post: Post, width: int | None = None, height: int | None = None,
              seed_shift: int = 0) -> Image.Image:
        """The post's picture, drawn at (width, height) (its own size by default)."""
        w, h = width or post.width, height or post.height
        if post.duplicate_of >= 0:  # a near-copy of the first upload (even of a re-upload)
            src = post
            while src.duplicate_of >= 0:
                src = self.posts[src.duplicate_of]
            img = figures.draw_figure(src.spec, w, h, src.draw_seed + seed_shift)
            return figures.near_duplicate(img, random.Random(post.draw_seed))
        return figures.draw_figure(post.spec, w, h, post.draw_seed + seed_shift)

    def _cached(self, key: tuple, make) -> bytes:
        with self._cache_lock:
            data = self._cache.get(key)
            if data is not None:
                self._cache.move_to_end(key)
                return data
        with self._draw_locks[hash(key) % len(self._draw_locks)]:  # one drawer per picture
            with self._cache_lock:
                data = self._cache.get(key)
            if data is None:
                data = make()
                with self._cache_lock:
                    self._cache[key] = data
                    self._cache_bytes += len(data)
                    while self._cache_bytes > self._cache_limit and len(self._cache) > 1:
                        _, old = self._cache.popitem(last=False)
                        self._cache_bytes -= len(old)
        return data

    def file_bytes(self, post: Post) -> bytes:
        data = self.substitute(post) if self.substitute is not None else None
        if data is None:
            data = self._cached(("orig", post.index),
                                lambda: figures.encode_image(self.image(post), post.ext))
        if post.index not in self._md5:
            md5 = hashlib.md5(data).hexdigest()
            self._md5[post.index] = md5
            self._file_size[post.index] = len(data)
            self._by_md5.setdefault(md5, post.index)
        return data

    def wrong_bytes(self, post: Post) -> bytes:
        """Another valid picture of the same size and format: what a corrupted upload serves."""
        return self._cached(("wrong", post.index),
                            lambda: figures.encode_image(self.image(post, seed_shift=1), post.ext))

    def md5(self, post: Post) -> str:
        if post.index not in self._md5:
            self.file_bytes(post)
        return self._md5[post.index]

    def drawn(self) -> int:
        """How many posts' files have been drawn (their md5 is known)."""
        return len(self._md5)

    def file_size(self, post: Post) -> int:
        if post.index not in self._file_size:
            self.file_bytes(post)
        return self._file_size[post.index]

    def stem(self, post: Post) -> str:
        """The file name without extension a site shows: legacy 40-hex or md5."""
        return post.legacy_name or self.md5(post)

    def scaled_size(self, post: Post, max_side: int) -> tuple[int, int]:
        f = min(1.0, max_side / max(post.width, post.height))
        return max(1, round(post.width * f)), max(1, round(post.height * f))

    def sample_size(self, post: Post, sample_width: int = 850) -> tuple[int, int] | None:
        """Size of the downscaled sample, or None when the original is small enough."""
        if post.width <= sample_width:
            return None
        return sample_width, max(1, round(post.height * sample_width / post.width))

    def jpeg_bytes(self, post: Post, size: tuple[int, int]) -> bytes:
        """A JPEG of the post at ``size`` (samples, thumbnails, previews)."""
        return self._cached(("jpg", post.index, size),
                            lambda: figures.encode_image(self.image(post, *size), "jpg"))

    def warm(self, posts: Iterable[Post], stop: threading.Event | None = None) -> None:
        """Compute md5s ahead of requests (used by the demo server's background thread)."""
        for p in posts:
            if stop is not None and stop.is_set():
                return
            self.md5(p)
