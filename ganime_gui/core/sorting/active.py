"""Learn as I sort: after every N new labels a quick model is retrained on the frozen-feature cache,
re-scores the unlabelled images, and the queue ahead of the person re-orders itself.

The model is a softmax regression (numpy) on pooled features of a frozen backbone: the features
come from ``core.classify`` (``build_classifier``'s frozen prefix, ``FeatureCache``,
``gather_features``), so the first round computes them once for the whole catalog and every later
round reads them back and trains in well under a second. Its quality is measured honestly: the
balanced accuracy on a fixed held-out part of the person's labels (chosen by file id, so the same
images stay held out round after round), from a model that never saw them; the scores that order
the queue come from a second fit on all the labels.

Pure Python (numpy; TensorFlow only inside the job, through ``core.classify``).
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ganime_gui.core.catalog.sorting import QueueRow
from ganime_gui.core.jobs import Job, JobEvent, ProgressFn, UserError, check_cancelled
from ganime_gui.core.project import Project

from .queue import QueueSpec, build_queue

DEFAULT_EVERY = 50          # new labels between two retrains
HOLDOUT_FRACTION = 0.2      # of the labels, kept out of the measured model
MIN_HOLDOUT = 8             # fewer held-out labels than this: no accuracy is shown
UNCERTAIN = "uncertain"
SUREST = "surest:"          # + a class name: the images the model is surest are that class


def surest(cls: str) -> str:
    return SUREST + cls


@dataclass(frozen=True)
class LearnConfig:
    """The frozen backbone the features come from (the app's fast CPU default) and the loop."""
    backbone: str = "mobilenet_v2"
    weights: str | None = "imagenet"
    input_size: int | None = None
    every: int = DEFAULT_EVERY
    holdout: float = HOLDOUT_FRACTION
    l2: float = 1e-3
    steps: int = 300
    seed: int = 0


@dataclass(frozen=True)
class LearnRound:
    label_set: str
    classes: tuple[str, ...]                 # the classes the model knows (those with labels)
    scores: dict[int, tuple[float, ...]]     # file id -> probabilities, for every unlabelled image
    balanced_accuracy: float | None          # on the held-out labels; None when too few
    recall: dict[str, float]                 # per class, on the held-out labels
    held_out: int
    trained_on: int                          # labels the measured model learnt from
    seconds: float
    computed_features: int                   # images run through the backbone this round


@dataclass(frozen=True)
class LearnPhase(JobEvent):
    phase: str        # "features", "training", "scoring"


@dataclass
class LearnLoop:
    """When to retrain: counts new labels of the active set; one round at a time."""
    every: int = DEFAULT_EVERY
    new_labels: int = 0
    running: bool = False
    rounds: int = 0
    last: LearnRound | None = None
    history: list[float | None] = field(default_factory=list)   # balanced accuracy per round

    def note_labels(self, n: int) -> bool:
        """Count ``n`` new labels; True when a round is due now."""
        self.new_labels += max(0, n)
        return self.due()

    def due(self) -> bool:
        return not self.running and self.new_labels >= self.every

    def until_next(self) -> int:
        return max(0, self.every - self.new_labels)

    def start(self) -> None:
        self.running, self.new_labels = True, 0

    def finish(self, result: LearnRound | None) -> None:
        self.running = False
        if result is not None:
            self.last = result
            self.rounds += 1
            self.history.append(result.balanced_accuracy)


# -- the round ---------------------------------------------------------------------------------------
_prefixes: dict[tuple, tuple] = {}
_prefix_lock = threading.Lock()


def feature_prefix(config: LearnConfig, progress: ProgressFn, cancelled: Callable[[], bool]):
    """(prefix model, cache key, input size) of the config's backbone, every layer frozen; built
    once per process (a round then costs no model build)."""
    from ganime_gui.core.classify import backbones as bb
    from ganime_gui.core.classify.data import CLASSIFIER_PAD_COLOUR

    memo = (config.backbone, config.weights, config.input_size, config.seed)
    with _prefix_lock:
        if memo not in _prefixes:
            clf = bb.build_classifier(config.backbone, 2, weights=config.weights,
                                      input_size=config.input_size, frozen_layers=10_000,
                                      seed=config.seed, progress=progress, cancelled=cancelled)
            if clf.prefix is None:
                raise UserError(f"{bb.backbone_spec(config.backbone).label} has no frozen part "
                                f"to take features from: choose another backbone.")
            key = f"{clf.backbone}-{clf.input_size}-{bb.prefix_fingerprint(clf, CLASSIFIER_PAD_COLOUR)}"
            _prefixes[memo] = (clf.prefix, key, clf.input_size)
        return _prefixes[memo]


def pooled(features: np.ndarray) -> np.ndarray:
    """(n, h, w, c) feature maps -> (n, 2c): the mean and the max over the map."""
    x = features.astype(np.float32, copy=False)
    if x.ndim == 2:
        return x
    x = x.reshape(len(x), -1, x.shape[-1])
    return np.concatenate([x.mean(axis=1), x.max(axis=1)], axis=1)


def held_out(file_ids: np.ndarray, fraction: float) -> np.ndarray:
    """A fixed pseudo-random part of the files, by id (the same files every round)."""
    return (file_ids.astype(np.uint64) * np.uint64(2654435761) % np.uint64(1000)) < fraction * 1000


def fit_softmax(x: np.ndarray, y: np.ndarray, n_classes: int, l2: float = 1e-3,
                steps: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Class-balanced softmax regression by full-batch gradient descent with momentum.
    ``x`` standardised; returns (weights (d, k), bias (k,))."""
    n, d = x.shape
    counts = np.bincount(y, minlength=n_classes).astype(np.float32)
    sample_w = (n / (n_classes * np.maximum(counts, 1)))[y] / n
    onehot = np.eye(n_classes, dtype=np.float32)[y]
    w = np.zeros((d, n_classes), np.float32)
    b = np.zeros(n_classes, np.float32)
    vw, vb = np.zeros_like(w), np.zeros_like(b)
    lr = 0.5
    for _ in range(steps):
        p = softmax(x @ w + b)
        g = (p - onehot) * sample_w[:, None]
        gw = x.T @ g + l2 * w
        gb = g.sum(axis=0)
        vw = 0.9 * vw - lr * gw
        vb = 0.9 * vb - lr * gb
        w += vw
        b += vb
    return w, b


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def balanced_accuracy(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int
                      ) -> tuple[float | None, list[float | None]]:
    recalls: list[float | None] = []
    for c in range(n_classes):
        mask = y_true == c
        recalls.append(float((y_pred[mask] == c).mean()) if mask.any() else None)
    present = [r for r in recalls if r is not None]
    return (float(np.mean(present)) if len(present) >= 2 else None), recalls


def train_round(x: np.ndarray, file_ids: np.ndarray, labels: list[str | None],
                classes: tuple[str, ...], config: LearnConfig, label_set: str = "",
                seconds_from: float | None = None, computed: int = 0) -> LearnRound:
    """One round on pooled features ``x`` (one row per file, ``labels`` None where unlabelled)."""
    started = seconds_from if seconds_from is not None else time.monotonic()
    known = tuple(c for c in classes if any(lab == c for lab in labels))
    if len(known) < 2:
        raise UserError(f"Label images of at least two classes of “{label_set}” first: learning "
                        f"starts once both kinds have examples.")
    index = {c: i for i, c in enumerate(known)}
    lab = np.array([index.get(v, -1) if v is not None else -1 for v in labels])
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-6
    xs = (x - mean) / std
    labelled = lab >= 0
    hold = held_out(file_ids, config.holdout) & labelled
    train = labelled & ~hold
    bal, recall = None, {}
    if hold.sum() >= MIN_HOLDOUT and len(set(lab[train])) == len(known):
        w, b = fit_softmax(xs[train], lab[train], len(known), config.l2, config.steps)
        pred = (xs[hold] @ w + b).argmax(axis=1)
        bal, recalls = balanced_accuracy(lab[hold], pred, len(known))
        recall = {c: r for c, r in zip(known, recalls) if r is not None}
    w, b = fit_softmax(xs[labelled], lab[labelled], len(known), config.l2, config.steps)
    unl = ~labelled
    probs = softmax(xs[unl] @ w + b) if unl.any() else np.zeros((0, len(known)))
    scores = {int(f): tuple(float(v) for v in p) for f, p in zip(file_ids[unl], probs)}
    return LearnRound(label_set, known, scores, bal, recall, int(hold.sum()),
                      int(train.sum()) if bal is not None else int(labelled.sum()),
                      time.monotonic() - started, computed)


def make_learn_job(project: Project, label_set: str, config: LearnConfig) -> Job:
    """``job(progress, cancelled) -> LearnRound`` on the project's images of ``label_set``'s queue
    (near-duplicates hidden). Opens its own catalog connection in the thread it runs in."""
    from ganime_gui.core.classify.features import FeatureCache, gather_features

    def job(progress: ProgressFn, cancelled: Callable[[], bool]) -> LearnRound:
        started = time.monotonic()
        with project.open_catalog() as catalog:
            ls = catalog.label_set(label_set)
            if ls is None:
                raise UserError(f"There is no label set named “{label_set}”.")
            rows = build_queue(catalog, QueueSpec(label_set))
        progress(0, 0, "Learning: features", event=LearnPhase("features"))
        prefix, key, size = feature_prefix(config, progress, cancelled)
        cache = FeatureCache(project.cache_dir, key)
        arr, ok, stats = gather_features(prefix, cache, [str(project.abspath(r.path)) for r in rows],
                                         size, progress=progress, cancelled=cancelled,
                                         spill_dir=project.cache_dir / "spill")
        try:
            check_cancelled(cancelled)
            progress(0, 0, "Learning: training", event=LearnPhase("training"))
            x = np.concatenate([pooled(arr.array[i:i + 1024]) for i in range(0, len(rows), 1024)]
                               or [np.zeros((0, 1), np.float32)])[ok]
        finally:
            arr.close()
        kept = [r for r, good in zip(rows, ok) if good]
        result = train_round(x, np.array([r.id for r in kept], np.int64), [r.label for r in kept],
                             ls.classes, config, label_set, started, stats.computed)
        progress(0, 0, "Learning: scoring", event=LearnPhase("scoring"))
        with project.open_catalog() as catalog:
            save_round(catalog, result, config, size)
        return result
    return job


def learn_model_name(label_set: str) -> str:
    return f"learn-as-i-sort-{label_set}"


def save_round(catalog, result: LearnRound, config: LearnConfig, input_size: int) -> int:
    """Store the round's scores as the predictions of the label set's learn-as-I-sort model (one
    catalog record, replaced each round; no model file), so the queues' model filters, the funnel
    and its spot checks use them. Returns the model id."""
    model_id = catalog.register_model(
        learn_model_name(result.label_set), "(learn as I sort)", result.label_set,
        list(result.classes), config.backbone, input_size, result.balanced_accuracy,
        {"learn_as_i_sort": True, "held_out": result.held_out})
    catalog.save_predictions(model_id, {f: list(p) for f, p in result.scores.items()})
    return model_id


# -- the queue ---------------------------------------------------------------------------------------
def order_key(order: str, classes: tuple[str, ...]) -> Callable[[tuple[float, ...]], float]:
    """Sort key of a score tuple: smallest first."""
    if order == UNCERTAIN:
        def margin(p):
            top = sorted(p, reverse=True)
            return top[0] - (top[1] if len(top) > 1 else 0.0)
        return margin
    if order.startswith(SUREST):
        if order[len(SUREST):] not in classes:   # no label of that class yet: no opinion
            return lambda p: 0.0
        i = classes.index(order[len(SUREST):])
        return lambda p: -p[i]
    raise ValueError(f"unknown order {order!r}")


def reorder(rows: list[QueueRow], keep: int, labelled: set[int], result: LearnRound,
            order: str) -> list[QueueRow]:
    """The queue with ``rows[:keep]`` where they are (what the person has seen and the page they
    are on) and the rest re-ordered: scored unlabelled images by ``order``, then unscored
    unlabelled ones as they were, then labelled ones."""
    head, tail = rows[:keep], rows[keep:]
    key = order_key(order, result.classes)
    scored = [r for r in tail if r.id not in labelled and r.id in result.scores]
    scored.sort(key=lambda r: key(result.scores[r.id]))
    rest = [r for r in tail if r.id not in labelled and r.id not in result.scores]
    done = [r for r in tail if r.id in labelled]
    return head + scored + rest + done
