"""The booru tag query language the fake server understands.

A query is an unordered set of space-separated terms, all of which must hold:
``tag`` (has it), ``-tag`` (has not), ``rating:general|sensitive|questionable|explicit`` (or the
letters g/s/q/e and ``safe``; ``-rating:x`` negates), ``id:N``, ``id:<N``, ``id:>N``, ``id:<=N``,
``id:>=N`` and the same for ``width:``, ``height:`` and ``score:``, and ``sort:id``/``order:id``
(newest first, the default), ``sort:id:asc``/``order:id_asc`` and ``sort:score``. Unknown
``name:value`` terms are plain tags (they match nothing), as on the real sites.
"""
from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field

from ganime_gui.fakebooru.dataset import Dataset, Post

# Rating words as Gelbooru 0.2 and Danbooru accept them. Moebooru's "s" (safe) is passed as
# ``rating_aliases`` by its profile.
RATING_ALIASES = {"g": "general", "general": "general", "safe": "general",
                  "s": "sensitive", "sensitive": "sensitive",
                  "q": "questionable", "questionable": "questionable",
                  "e": "explicit", "explicit": "explicit"}
COMPARISONS = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge,
               "": operator.eq, "=": operator.eq}
NUMERIC = ("id", "width", "height", "score")
_COMPARE = re.compile(r"^(id|width|height|score):(<=|>=|<|>|=)?(-?\d+)$")
# Terms the real sites do not count against a tag limit (Danbooru's free metatags).
FREE_TERMS = ("sort:", "order:", "rating:", "-rating:")


@dataclass
class Query:
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    ratings: set[str] = field(default_factory=set)
    not_ratings: set[str] = field(default_factory=set)
    compare: list[tuple[str, object, int]] = field(default_factory=list)
    order: str = "id_desc"          # id_desc | id_asc | score_desc
    terms: list[str] = field(default_factory=list)

    def counted_terms(self) -> int:
        """How many terms count against a site's tag limit."""
        return sum(1 for t in self.terms if not t.lower().startswith(FREE_TERMS))

    def matches(self, post: Post) -> bool:
        if self.ratings and post.rating not in self.ratings:
            return False
        if post.rating in self.not_ratings:
            return False
        return all(op(getattr(post, name), value) for name, op, value in self.compare)


def parse(text: str | None, rating_aliases: dict[str, str] | None = None) -> Query:
    aliases = rating_aliases or RATING_ALIASES
    q = Query()
    for term in dict.fromkeys((text or "").split()):  # an unordered set: repeats count once
        q.terms.append(term)
        low = term.lower()
        negate = low.startswith("-")
        body = low[1:] if negate else low
        if body.startswith("rating:"):
            rating = aliases.get(body[7:], body[7:])
            (q.not_ratings if negate else q.ratings).add(rating)
        elif body.startswith(("sort:", "order:")):
            value = body.split(":", 1)[1].replace(":", "_")
            q.order = {"id": "id_desc", "id_desc": "id_desc", "id_asc": "id_asc",
                       "score": "score_desc", "score_desc": "score_desc"}.get(value, q.order)
        elif (m := _COMPARE.match(body)) and not negate:
            q.compare.append((m.group(1), COMPARISONS[m.group(2) or ""], int(m.group(3))))
        elif negate and body:
            q.exclude.append(body)
        elif body:
            q.include.append(body)
    return q


def run(query: Query, dataset: Dataset) -> list[Post]:
    """The matching posts in the query's order."""
    index = dataset.tag_index()
    posts = dataset.posts
    if query.include:
        sets = sorted((index.get(t, set()) for t in query.include), key=len)
        hits = set(sets[0]).intersection(*sets[1:])
    else:
        hits = set(range(len(posts)))
    for t in query.exclude:
        hits -= index.get(t, set())
    result = [posts[i] for i in hits if query.matches(posts[i])]
    if query.order == "id_asc":
        result.sort(key=lambda p: p.id)
    elif query.order == "score_desc":
        result.sort(key=lambda p: (-p.score, -p.id))
    else:
        result.sort(key=lambda p: -p.id)
    return result


def search(text: str | None, dataset: Dataset, rating_aliases: dict[str, str] | None = None) -> list[Post]:
    """The posts matching ``text``. Every page of a crawl asks again, so results are kept in the
    dataset's own small cache (not a global one, which would keep finished servers alive)."""
    key = (" ".join(sorted(set((text or "").split()))), tuple(sorted((rating_aliases or {}).items())))
    return dataset.remember(("search", key), lambda: run(parse(text, rating_aliases), dataset))
