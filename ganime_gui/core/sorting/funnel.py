"""The funnel: from a raw crawl to a clean set, with counts per stage and how clean the clean set is.

Stages: crawled posts → files on disk → passed the tag pre-filter → labelled by hand → scored by
a model (the newest with predictions: a Train-tab model after Apply, or the learn-as-I-sort model)
→ predicted clean → spot-checked → confirmed clean; the clean set is every image of the
pre-filtered set labelled clean by hand or, unlabelled, predicted clean.

Its precision is estimated from a spot check: a random sample of the clean set is drawn (and
remembered, in the label set ``spot checks``), the person looks at each image once more and
presses its label key (Sort tab, Show: *Spot check*), and the share still clean gives the
precision with a Wilson 95% interval. The sample is of the clean set of that moment: after a
retrain or more sorting, draw a new one.

The funnel as last shown (its clean class and tag pre-filter, per label set) is saved in the
project's ``funnel.json``, so the GAN tab's "clean set" is the same set after a restart.
"""
from __future__ import annotations

import json
import logging
import math
import random
from dataclasses import asdict, dataclass
from pathlib import Path

from ganime_gui.core.catalog import Catalog
from ganime_gui.core.fsutil import atomic_write_text
from ganime_gui.core.jobs import UserError

from .queue import SPOT_SET, QueueSpec, build_queue

TO_CHECK, CHECKED = "to check", "checked"
SPOT_SIZE = 50


@dataclass(frozen=True)
class FunnelSpec:
    label_set: str = "chibi"
    clean: str = "not_chibi"   # the class that belongs in the clean set
    tags: str = ""             # the tag pre-filter, as in the Sort tab ("-chibi -2girls")


def saved_specs(path: str | Path) -> dict[str, FunnelSpec]:
    """The funnel spec last saved for each label set (none when the file is missing or unreadable:
    it is a convenience, never a reason to refuse a project)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return {name: FunnelSpec(name, str(d["clean"]), str(d.get("tags", "")))
                for name, d in data["label_sets"].items()}
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        logging.getLogger(__name__).warning("ignoring %s: %s", path, exc)
        return {}


def save_spec(path: str | Path, spec: FunnelSpec) -> None:
    """Remember ``spec`` as its label set's funnel (atomically; the other label sets' stay)."""
    specs = saved_specs(path)
    specs[spec.label_set] = spec
    data = {"label_sets": {name: {k: v for k, v in asdict(s).items() if k != "label_set"}
                           for name, s in sorted(specs.items())}}
    atomic_write_text(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


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

    def rows(self) -> list[tuple[str, str]]:
        """(stage, count) as the Sort tab's funnel and ``ganime funnel`` show them."""
        return [
            ("Crawled posts", f"{self.crawled}"),
            ("Images on disk (duplicates hidden)", f"{self.on_disk}"),
            ("Passed the tag pre-filter", f"{self.passed_tags}"),
            ("Labelled by hand", f"{self.labelled} ({self.labelled_clean} clean)"),
            ("Scored by a model (unlabelled)",
             f"{self.scored}" + (f" — {self.model}" if self.model else "")),
            ("Predicted clean", f"{self.predicted_clean}"),
            ("Spot-checked", f"{self.checked} of {self.sample} drawn, {self.confirmed} clean"),
            ("Clean set (the GAN set)", f"{self.clean_set}"),
        ]


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


def _clean_rows(catalog: Catalog, spec: FunnelSpec):
    """(every row of the pre-filtered set with the newest model's scores, the clean set, model)."""
    ls = catalog.label_set(spec.label_set)
    if ls is None or spec.clean not in ls.classes:
        raise UserError(f"Choose a label set and the class of it that is clean "
                        f"(“{spec.label_set}” has no class “{spec.clean}”).")
    model = _model(catalog, spec)
    rows = build_queue(catalog, QueueSpec(spec.label_set, tags=spec.tags))
    if model is not None:   # with the scores of the newest model
        scored = {r.id: r for r in catalog.queue_rows(ls.id, model_id=model[0], only_predicted=True)}
        rows = [scored.get(r.id, r) for r in rows]
    clean = [r for r in rows if r.label == spec.clean or (r.label is None
                                                         and r.predicted == spec.clean)]
    return rows, clean, model


def funnel(catalog: Catalog, spec: FunnelSpec) -> Funnel:
    rows, clean, model = _clean_rows(catalog, spec)
    on_disk = len(build_queue(catalog, QueueSpec(spec.label_set))) if spec.tags else len(rows)
    labelled = [r for r in rows if r.label is not None]
    unlabelled_scored = [r for r in rows if r.label is None and r.predicted is not None]
    sample = catalog.labels(SPOT_SET) if catalog.label_set(SPOT_SET) else {}
    in_sample = [r for r in rows if r.id in sample]
    checked = [r for r in in_sample if sample[r.id] == CHECKED]
    confirmed = sum(1 for r in checked if r.label == spec.clean)
    share = wilson(confirmed, len(checked))
    return Funnel(
        crawled=catalog.count_posts(), on_disk=on_disk,
        passed_tags=len(rows), labelled=len(labelled),
        labelled_clean=sum(1 for r in labelled if r.label == spec.clean),
        scored=len(unlabelled_scored),
        predicted_clean=sum(1 for r in unlabelled_scored if r.predicted == spec.clean),
        checked=len(checked), confirmed=confirmed, sample=len(in_sample),
        model=None if model is None else catalog.model_name(model[0]),
        precision=share[0] if share else None, low=share[1] if share else None,
        high=share[2] if share else None)


def draw_spot_check(catalog: Catalog, spec: FunnelSpec, size: int = SPOT_SIZE,
                    seed: int | None = None) -> list[int]:
    """Draw a new random sample of the clean set (the old sample is forgotten); returns its file
    ids. The Sort tab's *Spot check* view shows them; a label key pressed on one is its check."""
    _, clean, _ = _clean_rows(catalog, spec)
    if not clean:
        raise UserError(f"The clean set is empty: label images “{spec.clean}”, or let a model "
                        f"score them (learn as I sort, or Apply in the Train tab), first.")
    picked = random.Random(seed).sample([r.id for r in clean], min(size, len(clean)))
    if catalog.label_set(SPOT_SET) is None:
        catalog.create_label_set(SPOT_SET, [TO_CHECK, CHECKED])
    with catalog.db.transaction():
        catalog.set_labels(SPOT_SET, list(catalog.labels(SPOT_SET)), None)
        catalog.set_labels(SPOT_SET, picked, TO_CHECK)
    return picked


def record_checks(catalog: Catalog, file_ids: list[int], checked: bool = True) -> None:
    """The person looked again at these images and pressed a label key (``checked``) or cleared
    the label (not checked any more); files outside the sample are left alone."""
    if catalog.label_set(SPOT_SET) is None:
        return
    sample = catalog.labels(SPOT_SET)
    ids = [f for f in file_ids if f in sample]
    if ids:
        catalog.set_labels(SPOT_SET, ids, CHECKED if checked else TO_CHECK)


def clean_set_paths(catalog: Catalog, spec: FunnelSpec) -> list[tuple[str, str]]:
    """(catalog path, "clean") of every image of the clean set: what the GAN trains on and what
    *Export the clean set* writes."""
    _, clean, _ = _clean_rows(catalog, spec)
    return [(r.path, "clean") for r in clean]
