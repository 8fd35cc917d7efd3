"""Apply a classifier to many images (batched through ``tf.data``), and split them into folders.

The seed called ``model.predict`` one image at a time (about 5 images/s). Here Pillow decoding runs
in ``tf.data``'s parallel map, batches feed one compiled forward pass, and the next batch decodes
while the current one runs.

Precision: where the CPU computes bfloat16 natively (AVX512-BF16 or AMX) and the backbone gains from
it (VGG16: twice the images/s), Apply runs a bfloat16 copy of the model (``mixed_bfloat16``: float32
weights, bfloat16 arithmetic; the preprocessing and the final softmax stay float32). Its class
probabilities differ from float32 by about 1e-3 at most (tested); ``precision='float32'`` turns it off.
"""
from __future__ import annotations

import os
import shutil
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ganime_gui.core.classify.data import load_image_array
from ganime_gui.core.classify.models import ModelInfo, find_model, load_keras_model, read_model_info
from ganime_gui.core.fsutil import atomic_path
from ganime_gui.core.jobs import (Job, JobEvent, ProgressFn, UserError, check_cancelled, never_cancelled,
                                  no_progress)

UNSURE_FOLDER = "unsure"

PRECISION_AUTO = "auto"  # bfloat16 where the CPU has it natively and the backbone gains from it
PRECISION_FLOAT32 = "float32"
PRECISION_BFLOAT16 = "bfloat16"
PRECISIONS = (PRECISION_AUTO, PRECISION_FLOAT32, PRECISION_BFLOAT16)

_cpu_flags_memo: set[str] | None = None


@dataclass(frozen=True)
class ApplyProgress(JobEvent):
    """Images classified so far, the rate, and the arithmetic the forward pass runs in."""

    done: int
    total: int
    images_per_s: float
    precision: str


@dataclass(frozen=True)
class SplitProgress(JobEvent):
    """Images placed into class folders so far."""

    done: int
    total: int


def cpu_flags() -> set[str]:
    """The CPU's feature flags (from /proc/cpuinfo; empty where it cannot be read)."""
    global _cpu_flags_memo
    if _cpu_flags_memo is None:
        flags: set[str] = set()
        try:
            with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
                for line in f:
                    if line.startswith(("flags", "Features")):
                        flags.update(line.split(":", 1)[1].split())
                        break
        except OSError:
            pass
        _cpu_flags_memo = flags
    return _cpu_flags_memo


def cpu_has_native_bf16() -> bool:
    """True where bfloat16 matrix arithmetic runs in hardware (oneDNN then uses it for convolutions)."""
    return bool(cpu_flags() & {"avx512_bf16", "amx_bf16"})


def resolve_precision(precision: str, backbone: str | None) -> str:
    """'float32' or 'bfloat16' for ``precision`` ('auto', 'float32', 'bfloat16') and a model's backbone.

    'auto' picks bfloat16 only on a CPU with native bfloat16, with no GPU in use, for a backbone
    measured to gain from it (:attr:`BackboneSpec.bf16_inference`). The environment variable
    ``GANIME_INFERENCE_PRECISION`` (float32 / bfloat16) overrides 'auto'.
    """
    from ganime_gui.core.classify.backbones import BACKBONES

    if precision not in PRECISIONS:
        raise UserError(f"Unknown precision '{precision}': choose one of {', '.join(PRECISIONS)}.")
    if precision != PRECISION_AUTO:
        return precision
    forced = os.environ.get("GANIME_INFERENCE_PRECISION", "").strip().lower()
    if forced in (PRECISION_FLOAT32, PRECISION_BFLOAT16):
        return forced
    spec = BACKBONES.get(backbone or "")
    if spec is None or not spec.bf16_inference or not cpu_has_native_bf16():
        return PRECISION_FLOAT32
    from ganime_gui.core.tfsetup import import_tensorflow

    if import_tensorflow().config.list_physical_devices("GPU"):
        return PRECISION_FLOAT32
    return PRECISION_BFLOAT16


_bf16_copies: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_bf16_lock = threading.Lock()


def bfloat16_copy(net):
    """A ``mixed_bfloat16`` copy of the functional model ``net`` with its current weights.

    See :func:`~ganime_gui.core.classify.backbones.bfloat16_copy_of`. The copy is built once per
    model (kept while ``net`` lives) and its weights are refreshed from ``net`` on every call, so a
    model trained further is never served stale.
    """
    from ganime_gui.core.classify.backbones import bfloat16_copy_of

    with _bf16_lock:
        copy = _bf16_copies.get(net)
        if copy is None:
            copy = bfloat16_copy_of(net, copy_weights=False)
            _bf16_copies[net] = copy
        for dst, src in zip(copy.weights, net.weights, strict=True):
            dst.assign(src)
        return copy


@dataclass
class ApplyResult:
    model_name: str
    class_names: list[str]
    paths: list[str]  # readable images, in the order given
    probabilities: np.ndarray  # (len(paths), n_classes) float32
    failed: list[str] = field(default_factory=list)  # unreadable images
    precision: str = PRECISION_FLOAT32  # the arithmetic the forward pass ran in

    def scores(self) -> dict[str, list[float]]:
        return {p: [float(v) for v in row] for p, row in zip(self.paths, self.probabilities)}


_forward_fns: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _forward_function(net, size: int):
    """``net``'s compiled forward pass on uint8 batches of any length, traced once per model and size.

    Kept while ``net`` lives, so applying the same model again (the Sort tab's queues, a second
    folder, the benchmark) skips the trace (about a second for VGG16). The function holds ``net``
    only weakly: otherwise the cache entry would keep its own key alive.
    """
    from ganime_gui.core.classify.backbones import import_keras

    tf, _ = import_keras()
    with _bf16_lock:
        per_size = _forward_fns.setdefault(net, {})
        fn = per_size.get(size)
        if fn is None:
            ref = weakref.ref(net)

            @tf.function(input_signature=[tf.TensorSpec((None, size, size, 3), tf.uint8)])
            def fn(x):
                return tf.cast(ref()(tf.cast(x, tf.float32), training=False), tf.float32)

            per_size[size] = fn
        return fn


def make_apply_job(model: str | os.PathLike | ModelInfo, paths: Sequence[str], *, models_dir=None,
                   batch_size: int = 32, precision: str = PRECISION_AUTO) -> Job:
    def job(progress: ProgressFn, cancelled: Callable[[], bool]) -> ApplyResult:
        return apply_classifier(model, paths, models_dir=models_dir, batch_size=batch_size, progress=progress,
                                cancelled=cancelled, precision=precision)
    return job


def _resolve(model, models_dir) -> ModelInfo:
    if isinstance(model, ModelInfo):
        return model
    if models_dir is not None:
        return find_model(models_dir, model)
    return read_model_info(model)


def apply_classifier(model: str | os.PathLike | ModelInfo, paths: Sequence[str], *, models_dir=None,
                     batch_size: int = 32, progress: ProgressFn = no_progress,
                     cancelled: Callable[[], bool] = never_cancelled, keras_model=None,
                     precision: str = PRECISION_AUTO) -> ApplyResult:
    """Class probabilities for every readable image in ``paths``.

    ``model`` is a name in ``models_dir``, a ``.keras`` path or a :class:`ModelInfo`; ``keras_model``
    skips loading when the caller already holds it. ``precision``: see :func:`resolve_precision`.
    Progress events: :class:`ApplyProgress`.
    """
    import time

    from ganime_gui.core.classify.backbones import import_keras

    tf, _ = import_keras()
    info = _resolve(model, models_dir)
    net = keras_model if keras_model is not None else load_keras_model(info.path)
    size = info.input_size or int(net.input_shape[1])
    n_classes = int(net.output_shape[-1])
    class_names = info.class_names or [f"class_{i}" for i in range(n_classes)]
    paths = [str(p) for p in paths]
    n = len(paths)
    used = resolve_precision(precision, info.meta.get("backbone"))
    if n == 0:
        return ApplyResult(info.name, class_names, [], np.zeros((0, n_classes), np.float32), precision=used)
    runner = net
    if used == PRECISION_BFLOAT16:
        try:
            runner = bfloat16_copy(net)
        except Exception:  # a model this copy cannot rebuild (not functional, odd layers): stay exact
            runner, used = net, PRECISION_FLOAT32

    def decode(i):
        arr = load_image_array(paths[int(i)], size)
        if arr is None:
            return np.zeros((size, size, 3), np.uint8), False
        return arr, True

    def load(i):
        pixels, ok = tf.numpy_function(decode, [i], [tf.uint8, tf.bool], stateful=False)
        pixels.set_shape((size, size, 3))
        ok.set_shape(())
        return i, pixels, ok

    ds = (tf.data.Dataset.range(n)
          .map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
          .batch(batch_size)
          .prefetch(2))

    forward = _forward_function(runner, size)
    probs = np.zeros((n, n_classes), np.float32)
    readable = np.zeros(n, bool)
    done = 0
    t0 = time.perf_counter()
    progress(0, n, f"Classifying {n} images with {info.name} ({used})", event=ApplyProgress(0, n, 0.0, used))
    for idx, pixels, ok in ds:
        check_cancelled(cancelled)
        idx = idx.numpy()
        probs[idx] = forward(pixels).numpy()
        readable[idx] = ok.numpy()
        done += len(idx)
        rate = done / max(1e-9, time.perf_counter() - t0)
        progress(done, n, f"Classified {done}/{n} ({rate:.0f} images/s)",
                 event=ApplyProgress(done, n, rate, used))
    kept = np.flatnonzero(readable)
    return ApplyResult(model_name=info.name, class_names=class_names, paths=[paths[i] for i in kept],
                       probabilities=probs[kept], failed=[paths[i] for i in np.flatnonzero(~readable)],
                       precision=used)


def predict_one_by_one(net, paths: Sequence[str], size: int) -> np.ndarray:
    """The seed's way (``model.predict`` per image); kept for the benchmark's comparison."""
    out = []
    for p in paths:
        arr = load_image_array(p, size)
        x = np.zeros((1, size, size, 3), np.float32) if arr is None else arr[None].astype(np.float32)
        out.append(net.predict(x, verbose=0)[0])
    return np.asarray(out, np.float32)


# --- Split into folders ----------------------------------------------------------------------------

def assign_classes(probabilities: np.ndarray, class_names: Sequence[str], threshold: float,
                   positive_class: str | None = None) -> list[str]:
    """The folder for each image.

    Two classes: ``positive_class`` (default the first) when its probability >= threshold, else
    the other, as the seed split chibi / not_chibi. More classes: the most likely class when its
    probability >= threshold, else ``unsure``.
    """
    names = list(class_names)
    probabilities = np.asarray(probabilities, np.float32).reshape(-1, len(names))
    if len(names) == 2:
        pos = names.index(positive_class) if positive_class is not None else 0
        neg = 1 - pos
        return [names[pos] if p >= threshold else names[neg] for p in probabilities[:, pos]]
    best = probabilities.argmax(1)
    return [names[b] if probabilities[i, b] >= threshold else UNSURE_FOLDER for i, b in enumerate(best)]


def near_threshold(paths: Sequence[str], probabilities: np.ndarray, class_names: Sequence[str],
                   threshold: float,
                   positive_class: str | None = None, count: int = 24) -> list[tuple[str, float]]:
    """The ``count`` images whose deciding probability is closest to ``threshold``: (path, probability)."""
    probabilities = np.asarray(probabilities, np.float32).reshape(-1, len(class_names))
    if len(class_names) == 2:
        pos = list(class_names).index(positive_class) if positive_class is not None else 0
        deciding = probabilities[:, pos]
    else:
        deciding = probabilities.max(1)
    order = np.argsort(np.abs(deciding - threshold), kind="stable")[:count]
    return [(str(paths[i]), float(deciding[i])) for i in order]


def split_into_folders(paths: Sequence[str], probabilities: np.ndarray, class_names: Sequence[str],
                       out_dir: str | os.PathLike, *, threshold: float = 0.5,
                       positive_class: str | None = None,
                       link: bool = False, progress: ProgressFn = no_progress,
                       cancelled: Callable[[], bool] = never_cancelled) -> dict[str, int]:
    """Copy (or hard-link) each image into ``out_dir/<class>/``; never deletes or overwrites anything.

    Returns the number of files placed per folder. An existing file with the same name is left as
    it is (and counted under ``'already there'``).
    """
    if not 0.0 <= threshold <= 1.0:
        raise UserError(f"The threshold must be between 0 and 1 (got {threshold}).")
    folders = assign_classes(probabilities, class_names, threshold, positive_class)
    out = Path(out_dir)
    counts: dict[str, int] = {}
    n = len(paths)
    for i, (src, folder) in enumerate(zip(paths, folders)):
        if i % 64 == 0:
            check_cancelled(cancelled)
            progress(i, n, f"Splitting into folders {i}/{n}", event=SplitProgress(i, n))
        target_dir = out / folder
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / Path(src).name
        if target.exists():
            counts["already there"] = counts.get("already there", 0) + 1
            continue
        linked = False
        if link:
            try:
                os.link(src, target)
                linked = True
            except OSError:  # another file system, or links not allowed: copy instead
                pass
        if not linked:
            with atomic_path(target) as tmp:  # a stopped copy leaves no half image under its name
                shutil.copy2(src, tmp)
        counts[folder] = counts.get(folder, 0) + 1
    progress(n, n, "Split done", event=SplitProgress(n, n))
    return counts
