"""Train a classifier as a core job: live per-batch/per-epoch metrics, Stop, best checkpoint, evaluation.

The loop is our own (``train_on_batch`` per batch) rather than ``model.fit``: it gives the same
batch order whether the model trains on cached features or end to end (so both can be compared),
reports every batch, and checks Stop between batches. Stop keeps the best epoch seen so far (or,
before the first epoch ends, the current weights) and still saves a loadable model.
"""
from __future__ import annotations

import datetime as _dt
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from ganime_gui.core.classify import backbones as bb
from ganime_gui.core.classify.data import CLASSIFIER_PAD_COLOUR, LabelledSplit, split_items
from ganime_gui.core.classify import evaluation as _evaluation
from ganime_gui.core.classify.evaluation import REVIEW_ITEMS, from_scratch_note
from ganime_gui.core.classify.features import FeatureCache, gather_features, gather_pixels
from ganime_gui.core.classify.models import (MODEL_SUFFIX, check_model_name, default_model_name, model_path,
                                             write_metadata)
from ganime_gui.core.fsutil import commit, temp_path
from ganime_gui.core.jobs import (Job, JobCancelled, JobEvent, ProgressFn, UserError, never_cancelled,
                                  no_progress)

MIN_DELTA = 1e-4  # a validation loss must fall by more than this to count as better


@dataclass(frozen=True)
class TrainStep(JobEvent):
    """A step of a training run worth a line of its own: 'build', 'save'."""

    step: str


@dataclass(frozen=True)
class BatchEnd(JobEvent):
    """One training batch done; ``loss``/``accuracy`` are the epoch's running means so far."""

    epoch: int
    epochs: int
    batch: int
    batches: int
    batch_loss: float
    batch_accuracy: float
    loss: float
    accuracy: float
    eta_s: float


@dataclass(frozen=True)
class EpochEnd(JobEvent):
    """One epoch done and validated; ``best``: the lowest validation loss so far (the kept weights)."""

    epoch: int
    epochs: int
    loss: float
    accuracy: float
    val_loss: float
    val_accuracy: float
    epoch_s: float
    best: bool
    eta_s: float


@dataclass(frozen=True)
class EarlyStop(JobEvent):
    """Training ended early: the validation loss has not improved for ``patience`` epochs."""

    epoch: int
    best_epoch: int
    patience: int


@dataclass
class TrainConfig:
    backbone: str = "vgg16"
    weights: str | None = bb.WEIGHTS_IMAGENET  # 'imagenet', None, or a weights file
    input_size: int | None = None  # None: the backbone's default
    frozen_layers: int | None = None  # None: the backbone's default (VGG16: 15 as in the seed)
    epochs: int = 60  # at most: early stopping on the validation loss usually ends the run sooner
    batch_size: int = 32
    learning_rate: float | None = None  # None: 1e-4 when pretrained backbone layers train, else 1e-3
    val_fraction: float = 0.2
    seed: int = 0
    # epochs without a lower validation loss before stopping (the best epoch is kept); 0: off,
    # then all ``epochs`` run (the seed's fixed 12)
    early_stopping_patience: int = 5
    use_feature_cache: bool = True
    flip_augment: bool = True  # random horizontal flips; only possible end to end (features are per image)
    class_weighting: bool = True
    head_units: int = 128
    dropout: float = 0.3
    # Train in mixed bfloat16 (float32 weights and softmax, bfloat16 arithmetic): about 1.75x faster
    # for VGG16's block 5 on a CPU with native bfloat16, slower without it. Off by default: the
    # seed trained in float32, and results move within bfloat16's rounding.
    mixed_precision: bool = False


@dataclass
class TrainResult:
    model_path: Path
    metadata: dict[str, Any]
    history: list[dict[str, float]]
    evaluation: dict[str, Any]
    stopped: bool  # the user pressed Stop; the best weights so far were saved
    skipped: list[tuple[str, str]] = field(default_factory=list)


def make_train_job(items: Sequence[tuple[str, str]], config: TrainConfig, *, models_dir: str | os.PathLike,
                   cache_dir: str | os.PathLike, label_set: str = "", model_name: str | None = None,
                   class_names: Sequence[str] | None = None) -> Job:
    """A job ``job(progress, cancelled) -> TrainResult`` for the worker layer or the CLI."""
    def job(progress: ProgressFn, cancelled: Callable[[], bool]) -> TrainResult:
        return train_classifier(items, config, models_dir=models_dir, cache_dir=cache_dir,
                                label_set=label_set,
                                model_name=model_name, class_names=class_names, progress=progress,
                                cancelled=cancelled)
    return job


def train_classifier(items: Sequence[tuple[str, str]], config: TrainConfig, *, models_dir: str | os.PathLike,
                     cache_dir: str | os.PathLike, label_set: str = "", model_name: str | None = None,
                     class_names: Sequence[str] | None = None, progress: ProgressFn = no_progress,
                     cancelled: Callable[[], bool] = never_cancelled) -> TrainResult:
    """Split ``items`` ((path, label) pairs), build, train, save ``.keras`` + sidecar, evaluate.

    Progress events: :class:`TrainStep`, :class:`~.weights.WeightsDownload`,
    :class:`~.features.FeaturesProgress`, :class:`BatchEnd`, :class:`EpochEnd`, :class:`EarlyStop`.
    The weights kept are those of the epoch with the lowest validation loss.
    """
    if config.epochs < 1:
        raise UserError("Train for at least one epoch.")
    name = check_model_name(model_name) if model_name else default_model_name(label_set, config.backbone)
    out_path = model_path(models_dir, name)
    split = split_items(items, val_fraction=config.val_fraction, seed=config.seed, class_names=class_names)
    progress(0, 0, f"Building {bb.backbone_spec(config.backbone).label}", event=TrainStep("build"))
    clf = bb.build_classifier(config.backbone, len(split.class_names), weights=config.weights,
                              input_size=config.input_size, frozen_layers=config.frozen_layers,
                              head_units=config.head_units, dropout=config.dropout, seed=config.seed,
                              progress=progress, cancelled=cancelled)
    cached = config.use_feature_cache and clf.prefix is not None
    spill_dir = Path(cache_dir) / "spill"
    if cached:
        key = f"{clf.backbone}-{clf.input_size}-{bb.prefix_fingerprint(clf, CLASSIFIER_PAD_COLOUR)}"
        cache = FeatureCache(cache_dir, key)
        arr, ok, stats = gather_features(clf.prefix, cache, split.train_paths + split.val_paths,
                                         clf.input_size,
                                         progress=progress, cancelled=cancelled, spill_dir=spill_dir)
        net = clf.trainable_part
        feature_counts = {"cached": stats.cached, "computed": stats.computed, "cache_key": key}
    else:
        feature_counts = {}
        arr, ok = gather_pixels(split.train_paths + split.val_paths, clf.input_size, progress=progress,
                                cancelled=cancelled, spill_dir=spill_dir)
        net = clf.model
    try:
        n_train = len(split.train_paths)
        all_paths = split.train_paths + split.val_paths
        split.drop([p for p, good in zip(all_paths, ok) if not good], "unreadable or corrupt image")
        x_train, x_val = arr.array[:n_train][ok[:n_train]], arr.array[n_train:][ok[n_train:]]
        # the copy trains, then hands its weights back to ``net`` (whose layers the saved model shares)
        train_net = bb.bfloat16_copy_of(net) if config.mixed_precision else net
        run = _TrainingRun(train_net, clf, split, config, progress, cancelled, end_to_end=net is clf.model)
        run.fit(x_train, x_val)
        if train_net is not net:
            net.set_weights(train_net.get_weights())
    finally:
        arr.close()

    progress(0, 0, f"Saving {out_path.name}", event=TrainStep("save"))
    # Keras insists on the suffix; a failed save leaves no temporary file and the old model intact
    with temp_path(models_dir, prefix=f".{out_path.stem}.", suffix=MODEL_SUFFIX) as tmp:
        clf.model.save(tmp)
        commit(tmp, out_path, fsync=True)
    evaluation = evaluate(split, run.best_val_probs)
    weights = bb.weights_label(config.weights)
    notes = [n for n in (from_scratch_note(weights, len(split.train_paths) + len(split.val_paths)),) if n]
    meta = {
        "name": name, "label_set": label_set, "class_names": split.class_names,
        "input_size": clf.input_size, "backbone": clf.backbone, "weights": weights,
        "frozen_layers": clf.frozen_layers, "feature_cache": cached, "features": feature_counts,
        "val_accuracy": run.best.get("val_accuracy"),
        "balanced_accuracy": evaluation["balanced_accuracy"], "only_predicts": evaluation["only_predicts"],
        "notes": notes, "val_loss": run.best.get("val_loss"), "train_accuracy": run.best.get("accuracy"),
        "best_epoch": run.best.get("epoch"), "epochs_trained": len(run.history), "stopped": run.stopped,
        "created": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "n_train": len(split.train_paths), "n_val": len(split.val_paths),
        "config": asdict(config), "history": run.history, "evaluation": evaluation,
        "skipped": [list(s) for s in split.skipped],
    }
    write_metadata(out_path, meta)
    return TrainResult(model_path=out_path, metadata=meta, history=run.history, evaluation=evaluation,
                       stopped=run.stopped, skipped=list(split.skipped))


class _TrainingRun:
    """The epoch/batch loop with validation, best checkpoint (in memory), early stopping and Stop."""

    def __init__(self, net, clf: bb.Classifier, split: LabelledSplit, config: TrainConfig,
                 progress: ProgressFn, cancelled: Callable[[], bool], end_to_end: bool | None = None):
        self.net, self.clf, self.split, self.config = net, clf, split, config
        self.end_to_end = (net is clf.model) if end_to_end is None else end_to_end
        self.progress, self.cancelled = progress, cancelled
        self.history: list[dict[str, float]] = []
        self.best: dict[str, float] = {}
        self.best_weights: list[np.ndarray] | None = None
        self.best_val_probs: np.ndarray | None = None
        self.stopped = False

    def _compile(self) -> None:
        import keras

        lr = self.config.learning_rate
        if lr is None:
            # Pretrained layers that train want small steps; a head or a from-scratch net learns faster.
            pretrained_trains = bb.normalise_weights(self.config.weights) is not None and any(
                not w.path.startswith("head_") for w in self.net.trainable_weights)
            lr = 1e-4 if pretrained_trains else 1e-3
        self.net.compile(optimizer=keras.optimizers.Adam(lr), loss="sparse_categorical_crossentropy",
                         metrics=["accuracy"])

    def predict(self, x: np.ndarray, batch_size: int = 64) -> np.ndarray:
        out = [np.asarray(self.net.predict_on_batch(x[s:s + batch_size].astype(np.float32)), np.float32)
               for s in range(0, len(x), batch_size)]
        return np.concatenate(out) if out else np.zeros((0, len(self.split.class_names)), np.float32)

    def _validate(self, x_val: np.ndarray) -> tuple[float, float, np.ndarray]:
        probs = self.predict(x_val)
        y = self.split.val_labels
        p_true = np.clip(probs[np.arange(len(y)), y], 1e-7, 1.0)
        return float(-np.mean(np.log(p_true))), float(np.mean(probs.argmax(1) == y)), probs

    def _is_better(self, val_loss: float) -> bool:
        return not self.best or val_loss < self.best["val_loss"] - MIN_DELTA

    def _keep_best(self, record: dict[str, float], probs: np.ndarray) -> None:
        self.best = dict(record)
        self.best_weights = [w.copy() for w in self.net.get_weights()]
        self.best_val_probs = probs

    def fit(self, x_train: np.ndarray, x_val: np.ndarray) -> None:
        cfg = self.config
        self._compile()
        y_train = self.split.train_labels
        weights = np.array([self.split.class_weights[c] for c in range(len(self.split.class_names))],
                           np.float32)
        n = len(x_train)
        batches = math.ceil(n / cfg.batch_size)
        total = batches * cfg.epochs
        since_best = 0
        augment = cfg.flip_augment and self.end_to_end
        started = time.perf_counter()
        for epoch in range(1, cfg.epochs + 1):
            t0 = time.perf_counter()
            self.net.reset_metrics()
            order = np.random.default_rng([cfg.seed, epoch]).permutation(n)
            flips = np.random.default_rng([cfg.seed, epoch, 1]).random(n) < 0.5
            logs: dict[str, float] = {}
            seen, loss_sum, correct_sum = 0, 0.0, 0.0
            for b in range(batches):
                idx = order[b * cfg.batch_size:(b + 1) * cfg.batch_size]
                sw = weights[y_train[idx]] if cfg.class_weighting else None
                x = x_train[idx].astype(np.float32)
                if augment:
                    x[flips[idx]] = x[flips[idx], :, ::-1]
                batch_logs = self.net.train_on_batch(x, y_train[idx], sample_weight=sw, return_dict=True)
                # train_on_batch reports this batch alone; the plots want the epoch's running mean too.
                seen += len(idx)
                loss_sum += float(batch_logs["loss"]) * len(idx)
                correct_sum += float(batch_logs["accuracy"]) * len(idx)
                logs = {"loss": loss_sum / seen, "accuracy": correct_sum / seen}
                done = (epoch - 1) * batches + b + 1
                elapsed = time.perf_counter() - started
                eta = elapsed / done * (total - done)
                self.progress(done, total, f"Epoch {epoch}/{cfg.epochs}, batch {b + 1}/{batches}",
                              event=BatchEnd(epoch, cfg.epochs, b + 1, batches, float(batch_logs["loss"]),
                                             float(batch_logs["accuracy"]), logs["loss"], logs["accuracy"],
                                             eta))
                if self.cancelled():
                    self.stopped = True
                    break
            if self.stopped and self.best_weights is not None:
                break  # a half epoch is not validated: keep the best full epoch
            val_loss, val_acc, probs = self._validate(x_val)
            record = {"epoch": epoch, "loss": float(logs.get("loss", math.nan)),
                      "accuracy": float(logs.get("accuracy", math.nan)), "val_loss": val_loss,
                      "val_accuracy": val_acc, "epoch_s": time.perf_counter() - t0}
            improved = self._is_better(val_loss)
            if improved:
                self._keep_best(record, probs)
                since_best = 0
            else:
                since_best += 1
            if self.stopped:  # stopped during the first epoch: nothing better to keep than now
                break
            self.history.append(record)
            done = epoch * batches
            eta = (time.perf_counter() - started) / done * (total - done)
            self.progress(done, total, f"Epoch {epoch}/{cfg.epochs}: val accuracy {val_acc:.1%}",
                          event=EpochEnd(epoch, cfg.epochs, record["loss"], record["accuracy"], val_loss,
                                         val_acc, record["epoch_s"], improved, eta))
            if self.cancelled():
                self.stopped = True
                break
            if cfg.early_stopping_patience and since_best >= cfg.early_stopping_patience:
                self.progress(done, total,
                              f"Early stop: the validation loss has not improved for {since_best} "
                              f"epochs; keeping epoch {self.best['epoch']}",
                              event=EarlyStop(epoch, int(self.best["epoch"]), since_best))
                break
        if self.best_weights is None:
            raise JobCancelled()
        self.net.set_weights(self.best_weights)


def evaluate(split: LabelledSplit, probs: np.ndarray, review_items: int = REVIEW_ITEMS) -> dict[str, Any]:
    """The validation result of ``probs`` on ``split`` (see :func:`.evaluation.evaluate`)."""
    return _evaluation.evaluate(split.class_names, split.val_paths, split.val_labels, probs, review_items)
