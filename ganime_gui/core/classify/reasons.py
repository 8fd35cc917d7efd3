"""Several reject reasons from one sorting pass: one-vs-rest classifiers and a combined "clean" verdict.

The seed trained one classifier per reason (chibi, then "more than one character", ...), each on a
sorting pass of its own. Here one label set holds every reason plus a *clean* class (no reason
applies), so one pass labels everything; each reason then gets a binary classifier, that reason
against the rest (the other reasons and the clean images), and an image is *clean* when no
reason's probability reaches its threshold.

One label per image and set: an image with two reasons carries the one the user picked, and
counts as a negative for the other reason's classifier (a little label noise, which the held-out
numbers include). All the classifiers share the frozen-feature cache, so the features are
computed once for all reasons.

The combined verdict is measured on a held-out part of the labels that none of the classifiers
saw (stratified by the original labels): precision and recall of *clean*, and each reason's recall.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from ganime_gui.core.catalog.labels import REASONS_CLEAN, REASONS_SET
from ganime_gui.core.classify.data import split_items
from ganime_gui.core.classify.evaluation import metrics_from_confusion
from ganime_gui.core.classify.models import check_model_name
from ganime_gui.core.classify.train import TrainConfig, TrainResult, train_classifier
from ganime_gui.core.fsutil import atomic_write_text
from ganime_gui.core.jobs import (JobEvent, ProgressFn, UserError, check_cancelled, never_cancelled,
                                  no_progress)

CLEAN = REASONS_CLEAN
GROUP_SUFFIX = ".reasons.json"  # in models/: which model is which reason, thresholds, held-out result


@dataclass(frozen=True)
class ReasonStarted(JobEvent):
    """Training the classifier of ``reason`` (``index`` of ``count``, from 1) begins."""

    reason: str
    index: int
    count: int


def rest_label(reason: str) -> str:
    return f"not_{reason}"


def one_vs_rest_items(items: Sequence[tuple[str, str]], reason: str) -> list[tuple[str, str]]:
    """``items`` relabelled for one reason: the reason itself, or ``not_<reason>`` for every other label."""
    return [(path, reason if label == reason else rest_label(reason)) for path, label in items]


def clean_verdict(reason_probs: Mapping[str, np.ndarray],
                  threshold: float | Mapping[str, float] = 0.5) -> np.ndarray:
    """True where no reason's probability reaches its threshold (one threshold, or one per reason)."""
    if not reason_probs:
        raise UserError("A clean verdict needs at least one reason's classifier.")
    verdict = None
    for reason, probs in reason_probs.items():
        t = threshold[reason] if isinstance(threshold, Mapping) else threshold
        flagged = np.asarray(probs, np.float32) >= t
        verdict = ~flagged if verdict is None else verdict & ~flagged
    return verdict


def evaluate_clean(true_labels: Sequence[str], reason_probs: Mapping[str, np.ndarray],
                   clean_class: str = CLEAN, threshold: float | Mapping[str, float] = 0.5) -> dict[str, Any]:
    """The combined verdict against the true labels: clean precision/recall and each reason's recall.

    A reason's recall here is the share of the images labelled with it that the combined verdict
    rejects (for any reason): that is what keeps them out of the clean set. ``per_reason``: each
    reason's own classifier, that reason against the rest (precision, recall, images labelled with
    it, images it flags).
    """
    truth = np.asarray([label == clean_class for label in true_labels])
    verdict = clean_verdict(reason_probs, threshold)
    confusion = [[int(np.sum(truth & verdict)), int(np.sum(truth & ~verdict))],
                 [int(np.sum(~truth & verdict)), int(np.sum(~truth & ~verdict))]]  # rows: true clean / reject
    m = metrics_from_confusion(confusion, [clean_class, "reject"])
    labels = np.asarray(list(true_labels))
    rejected_by_reason = {r: (float(np.mean(~verdict[labels == r])) if np.any(labels == r) else None)
                          for r in reason_probs}
    per_reason = {}
    for reason, probs in reason_probs.items():
        t = threshold[reason] if isinstance(threshold, Mapping) else threshold
        flagged, true = np.asarray(probs, np.float32) >= t, labels == reason
        hits = int(np.sum(flagged & true))
        per_reason[reason] = {"images": int(np.sum(true)), "flagged": int(np.sum(flagged)),
                              "precision": hits / int(np.sum(flagged)) if np.any(flagged) else None,
                              "recall": hits / int(np.sum(true)) if np.any(true) else None}
    return {"classes": [clean_class, "reject"], "confusion": confusion, "images": int(len(truth)),
            "clean_precision": m["per_class_precision"][clean_class],
            "clean_recall": m["per_class_recall"][clean_class],
            "balanced_accuracy": m["balanced_accuracy"], "reason_recall": rejected_by_reason,
            "per_reason": per_reason,
            "threshold": dict(threshold) if isinstance(threshold, Mapping) else threshold}


@dataclass
class ReasonModels:
    """The classifiers of one label set's reasons and the combined verdict's held-out result."""

    label_set: str
    clean_class: str
    models: dict[str, TrainResult]  # reason -> its one-vs-rest classifier
    holdout: dict[str, Any]  # :func:`evaluate_clean` on images none of them trained on
    holdout_paths: list[str] = field(default_factory=list)
    group_path: Path | None = None


def train_one_vs_rest(items: Sequence[tuple[str, str]], config: TrainConfig, *, models_dir: str | os.PathLike,
                      cache_dir: str | os.PathLike, label_set: str = REASONS_SET, clean_class: str = CLEAN,
                      reasons: Sequence[str] | None = None, name_prefix: str | None = None,
                      holdout_fraction: float = 0.2, threshold: float = 0.5,
                      progress: ProgressFn = no_progress,
                      cancelled: Callable[[], bool] = never_cancelled) -> ReasonModels:
    """One classifier per reason (``<prefix>-<reason>``), then the combined verdict on held-out images.

    ``items``: (path, label) with labels among ``reasons`` and ``clean_class``. ``reasons`` default:
    every label but the clean class, in sorted order. Progress: :class:`ReasonStarted`, then each
    training's own events.
    """
    from ganime_gui.core.classify.apply import apply_classifier

    labels = sorted({label for _, label in items})
    if clean_class not in labels:
        raise UserError(f"No image is labelled '{clean_class}' (no reason applies): label some clean images "
                        "too, so each reason's classifier learns what is not that reason.")
    reasons = list(reasons) if reasons is not None else [lab for lab in labels if lab != clean_class]
    if not reasons:
        raise UserError("Label images with at least one reject reason besides "
                        f"'{clean_class}' to train reason classifiers.")
    prefix = check_model_name(name_prefix or f"{label_set}-{config.backbone}")
    # the held-out part, stratified by the original labels, that no classifier trains on
    split = split_items(items, val_fraction=holdout_fraction, seed=config.seed,
                        class_names=[clean_class, *reasons])
    train_items = [(p, split.class_names[c]) for p, c in zip(split.train_paths, split.train_labels)]
    held_labels = [split.class_names[c] for c in split.val_labels]
    models: dict[str, TrainResult] = {}
    for i, reason in enumerate(reasons, start=1):
        check_cancelled(cancelled)
        progress(0, 0, f"Reason {i}/{len(reasons)}: {reason} against the rest",
                 event=ReasonStarted(reason, i, len(reasons)))
        models[reason] = train_classifier(
            one_vs_rest_items(train_items, reason), replace(config), models_dir=models_dir,
            cache_dir=cache_dir, label_set=label_set, model_name=f"{prefix}-{reason}",
            class_names=[reason, rest_label(reason)],
            progress=progress, cancelled=cancelled)
    reason_probs = {}
    for reason, result in models.items():
        check_cancelled(cancelled)
        applied = apply_classifier(result.model_path, split.val_paths, cancelled=cancelled)
        if applied.failed:
            raise UserError(f"{len(applied.failed)} held-out images could not be read, "
                            f"e.g. {applied.failed[0]}.")
        reason_probs[reason] = applied.probabilities[:, 0]  # column 0: the reason itself
    holdout = evaluate_clean(held_labels, reason_probs, clean_class, threshold)
    group = Path(models_dir) / f"{prefix}{GROUP_SUFFIX}"
    atomic_write_text(group, json.dumps({
        "label_set": label_set, "clean_class": clean_class, "threshold": threshold,
        "models": {r: res.model_path.stem for r, res in models.items()}, "holdout": holdout}, indent=1))
    return ReasonModels(label_set, clean_class, models, holdout, list(split.val_paths), group)


def read_reason_group(path: str | os.PathLike) -> dict[str, Any]:
    """A ``.reasons.json`` written by :func:`train_one_vs_rest`."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"Could not read the reason classifiers' list {Path(path).name} ({exc}).") from exc


def latest_reason_group(models_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The newest ``.reasons.json`` in ``models_dir`` (with its ``path``), or None when there is none
    or it cannot be read."""
    groups = sorted(Path(models_dir).glob(f"*{GROUP_SUFFIX}"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in groups:
        try:
            return {**read_reason_group(path), "path": path}
        except UserError:
            continue
    return None


def describe_clean(holdout: Mapping[str, Any]) -> str:
    """The combined verdict's held-out result in one line."""
    def pct(v):
        return "n/a" if v is None else f"{v:.1%}"

    reasons = "  ·  ".join(f"{r} {pct(v)}" for r, v in holdout["reason_recall"].items())
    return (f"Clean verdict on {holdout['images']} held-out images: "
            f"precision {pct(holdout['clean_precision'])}, "
            f"recall {pct(holdout['clean_recall'])}; rejected per reason: {reasons}")
