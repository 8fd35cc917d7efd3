"""What the Sort grid shows and in which order: a :class:`QueueSpec` turned into rows."""
from __future__ import annotations

from dataclasses import dataclass, field

from ganime_gui.core.catalog import Catalog
from ganime_gui.core.catalog.labels import SPOT_SET
from ganime_gui.core.catalog.sorting import SQL_ORDERS, QueueRow
from ganime_gui.core.jobs import UserError

from .duplicates import DUPLICATE_SET, DuplicateGroup

SHOW_MODES = {
    "all": "All images",
    "unlabelled": "Unlabelled only",
    "label": "With label…",
    "mislabelled": "Probably mislabelled",
    "duplicates": "Near-duplicate groups",
    "spot_check": "Spot check (random predicted clean)",
}
ORDERS = {
    "catalog": "Catalog order",
    "uncertain": "Most uncertain first",
    "size_desc": "Largest file first",
    "size_asc": "Smallest file first",
    "resolution_desc": "Highest resolution first",
    "resolution_asc": "Lowest resolution first",
}


@dataclass(frozen=True)
class QueueSpec:
    label_set: str
    show: str = "all"                  # a key of SHOW_MODES
    label: str | None = None           # with show == "label"
    tags: str = ""                     # space-separated; "-tag" excludes
    predicted: str | None = None       # the model's predicted class
    min_side: int = 0                  # pixels, the shorter side
    max_side: int = 0                  # pixels, the longer side
    min_bytes: int = 0
    max_bytes: int = 0
    order: str = "catalog"             # a key of ORDERS
    hide_duplicates: bool = True       # files marked "duplicate" in the duplicates set
    extra: dict = field(default_factory=dict, compare=False)


def build_queue(catalog: Catalog, spec: QueueSpec) -> list[QueueRow]:
    """The rows of a queue. Model-based filters and orders use the newest classifier of the label
    set that has predictions; asking for them without one is a UserError."""
    ls = catalog.label_set(spec.label_set)
    if ls is None:
        raise UserError(f"There is no label set named “{spec.label_set}”.")
    if spec.show not in SHOW_MODES or spec.order not in ORDERS:
        raise ValueError(f"unknown show mode or order: {spec.show!r}, {spec.order!r}")
    needs_model = spec.show == "mislabelled" or spec.order == "uncertain" or spec.predicted
    model = catalog.latest_model_for(spec.label_set)
    if needs_model and model is None:
        raise UserError(f"No classifier of “{spec.label_set}” has made predictions yet: train one "
                        f"in the Train tab and run it on the catalog, then use this filter.")
    hide = None
    if spec.hide_duplicates and spec.show != "duplicates":
        dup = catalog.label_set(DUPLICATE_SET)
        hide = (dup.id, "duplicate") if dup is not None else None
    tags = spec.tags.split()
    rows = catalog.queue_rows(
        ls.id, unlabelled_only=spec.show == "unlabelled",
        label=spec.label if spec.show == "label" else None,
        tags_all=[t for t in tags if not t.startswith("-")],
        tags_none=[t[1:] for t in tags if t.startswith("-") and len(t) > 1],
        min_side=spec.min_side, max_side=spec.max_side, min_bytes=spec.min_bytes,
        max_bytes=spec.max_bytes, model_id=model[0] if model else None, predicted=spec.predicted,
        only_predicted=bool(needs_model), hide_label=hide,
        order=spec.order if spec.order in SQL_ORDERS else "catalog")
    if spec.show == "spot_check":
        sample = catalog.labels(SPOT_SET) if catalog.label_set(SPOT_SET) else {}
        rows = [r for r in rows if r.id in sample]
    if spec.show == "mislabelled":
        classes = model[1]
        rows = [r for r in rows if r.label is not None and r.label != r.predicted]
        # The model's score for the label a person gave: the lower, the more it disagrees.
        rows.sort(key=lambda r: _score_of(r, classes))
    elif spec.order == "uncertain":
        rows.sort(key=_margin)
    return rows


def duplicate_rows(catalog: Catalog, spec: QueueSpec,
                   groups: list[DuplicateGroup]) -> tuple[list[QueueRow], list[int]]:
    """The rows of the near-duplicate groups that pass the spec's other filters, group by group
    (the best first), and the group index of each row. Groups already decided (every member
    marked keep or duplicate) and groups left with one row are dropped."""
    decided = catalog.labels(DUPLICATE_SET) if catalog.label_set(DUPLICATE_SET) else {}
    rows = {r.id: r for r in build_queue(catalog, QueueSpec(
        spec.label_set, tags=spec.tags, min_side=spec.min_side, max_side=spec.max_side,
        min_bytes=spec.min_bytes, max_bytes=spec.max_bytes, hide_duplicates=False))}
    out: list[QueueRow] = []
    group_of: list[int] = []
    shown = 0
    for g in groups:
        members = [rows[m] for m in g.members if m in rows]
        if len(members) > 1 and not all(m in decided for m in g.members):
            group_of += [shown] * len(members)
            out += members
            shown += 1
    return out, group_of


def _score_of(row: QueueRow, classes: tuple[str, ...]) -> float:
    if row.scores is None or row.label not in classes:
        return 1.0
    return row.scores[classes.index(row.label)]


def _margin(row: QueueRow) -> float:
    """Top score minus the runner-up: near 0 where the model cannot decide."""
    if not row.scores:
        return row.confidence if row.confidence is not None else 1.0
    top = sorted(row.scores, reverse=True)
    return top[0] - (top[1] if len(top) > 1 else 0.0)


def next_unlabelled(labels: list[str | None], start: int) -> int | None:
    """The index of the first unlabelled row after ``start``, wrapping around; None if none."""
    n = len(labels)
    for step in range(1, n + 1):
        i = (start + step) % n
        if labels[i] is None:
            return i
    return None
