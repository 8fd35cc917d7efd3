"""The funnel: from a raw crawl to a clean set, with counts per stage and how clean the clean set is.

Stages: crawled posts → files on disk → passed the tag pre-filter → labelled by hand → scored by
a model (the newest with predictions: a Train-tab model after Apply, or the learn-as-I-sort model)
→ predicted clean → spot-checked → confirmed clean; the clean set is every image of the
pre-filtered set labelled clean by hand or, unlabelled, predicted clean.

Its precision is estimated from a spot check: a random sample of the predicted-clean images is
drawn (and remembered, in the label set ``spot checks``), the person labels them like any other
image, and the share found clean gives the model part's precision with a Wilson 95% interval;
hand labels count as right. The sample is drawn against the model of that moment: after a
retrain, draw a new one.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

from ganime_gui.core.catalog import Catalog
from ganime_gui.core.jobs import UserError

from .queue import SPOT_SET, QueueSpec, build_queue

SPOT_CLASS = "sampled"
SPOT_SIZE = 50


@dataclass(frozen=True)
class FunnelSpec:
    label_set: str = "chibi"
    clean: str = "not_chibi"   # the class that belongs in the clean set
    tags: str = ""             # the tag pre-filter, as in the Sort tab ("-chibi -2girls")


@dataclass(frozen=True)
class Funnel:
    crawled: int               # posts the crawler recorded
    on_disk: int               # files in good state (near-duplicates hidden)
    passed_tags: int           # of those, passing the tag pre-filter
    labelled: int              # of those, labelled by hand in the label set
    labelled_clean: int
    scored: int                # unlabelled ones a model scored
    predicted_clean: int       # of those, predicted clean
    checked: int               # spot-check images labelled by hand
    confirmed: int             # of those, clean
    sample: int                # spot-check images drawn
    model: str | None          # the model whose predictions count
    precision: float | None    # estimated precision of the clean set, with a 95% interval
    low: float | None
    high: float | None

    @property
    def clean_set(self) -> int:
        return self.labelled_clean + self.predicted_clean


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float, float] | None:
    """The share and its Wilson score interval; None without trials."""
    if n <= 0:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return p, max(0.0, centre - half), min(1.0, centre + half)


def _model(catalog: Catalog, spec: FunnelSpec):
    model = catalog.latest_model_for(spec.label_set)
    if model is not None and spec.clean not in model[1]:
        raise UserError(f"The newest model of “{spec.label_set}” has no class “{spec.clean}”.")
    return model


def funnel(catalog: Catalog, spec: FunnelSpec) -> Funnel:
    ls = catalog.label_set(spec.label_set)
    if ls is None or spec.clean not in ls.classes:
        raise UserError(f"Choose a label set and the class of it that is clean "
                        f"(“{spec.label_set}” has no class “{spec.clean}”).")
    model = _model(catalog, spec)
    on_disk = build_queue(catalog, QueueSpec(spec.label_set))
    rows = build_queue(catalog, QueueSpec(spec.label_set, tags=spec.tags)) if spec.tags else on_disk
    if model is not None:   # with the scores of the newest model
        scored_rows = {r.id: r for r in catalog.queue_rows(ls.id, model_id=model[0],
                                                           only_predicted=True)}
        rows = [scored_rows.get(r.id, r) for r in rows]
    labelled = [r for r in rows if r.label is not None]
    unlabelled_scored = [r for r in rows if r.label is None and r.predicted is not None]
    predicted_clean = [r for r in unlabelled_scored if r.predicted == spec.clean]
    sample = set(catalog.labels(SPOT_SET)) if catalog.label_set(SPOT_SET) else set()
    in_sample = [r for r in rows if r.id in sample]
    checked = [r for r in in_sample if r.label is not None]
    confirmed = sum(1 for r in checked if r.label == spec.clean)
    hand_clean = sum(1 for r in labelled if r.label == spec.clean)
    precision = low = high = None
    share = wilson(confirmed, len(checked))
    total = hand_clean + len(predicted_clean)
    if total and (share is not None or not predicted_clean):
        p, lo, hi = share if share is not None else (1.0, 1.0, 1.0)
        precision, low, high = ((hand_clean + len(predicted_clean) * v) / total for v in (p, lo, hi))
    return Funnel(
        crawled=int(catalog.db.scalar("SELECT COUNT(*) FROM posts") or 0), on_disk=len(on_disk),
        passed_tags=len(rows), labelled=len(labelled), labelled_clean=hand_clean,
        scored=len(unlabelled_scored), predicted_clean=len(predicted_clean), checked=len(checked),
        confirmed=confirmed, sample=len(in_sample),
        model=None if model is None else catalog.db.scalar(
            "SELECT name FROM models WHERE id = ?", (model[0],)),
        precision=precision, low=low, high=high)


def draw_spot_check(catalog: Catalog, spec: FunnelSpec, size: int = SPOT_SIZE,
                    seed: int | None = None) -> list[int]:
    """Draw a new random sample of the unlabelled, predicted-clean images of the pre-filtered set
    (the old sample is forgotten); returns its file ids. The Sort tab's *Spot check* view shows
    them; labelling them is the check."""
    ls = catalog.label_set(spec.label_set)
    model = _model(catalog, spec)
    if ls is None or model is None:
        raise UserError(f"No model of “{spec.label_set}” has scored the images yet: turn on learn "
                        f"as I sort, or train one in the Train tab and apply it.")
    rows = build_queue(catalog, QueueSpec(spec.label_set, show="unlabelled", tags=spec.tags,
                                          predicted=spec.clean))
    if not rows:
        raise UserError(f"No unlabelled image is predicted “{spec.clean}”: nothing to check.")
    picked = random.Random(seed).sample([r.id for r in rows], min(size, len(rows)))
    if catalog.label_set(SPOT_SET) is None:
        catalog.create_label_set(SPOT_SET, [SPOT_CLASS])
    with catalog.db.transaction():
        catalog.set_labels(SPOT_SET, list(catalog.labels(SPOT_SET)), None)
        catalog.set_labels(SPOT_SET, picked, SPOT_CLASS)
    return picked
