"""The frozen-feature cache: each image's output of the frozen prefix, computed once, kept as float16.

Frozen layers never change, so every epoch after the first would recompute the same prefix outputs.
Instead they are stored in ``<cache>/features/<key>/<content hash>.npy``, where the key names the
backbone, cut layer, input size, padding and the prefix's actual weights
(:func:`~ganime_gui.core.classify.backbones.prefix_fingerprint`). Training then reads features and
runs only the trainable part; re-training after a few new labels computes only the new images.
One file per image keeps adding images cheap and needs no index to stay consistent.
"""
from __future__ import annotations

import os
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from ganime_gui.core.classify.data import CLASSIFIER_PAD_COLOUR, load_image_batch
from ganime_gui.core.fsutil import atomic_write
from ganime_gui.core.images import file_md5
from ganime_gui.core.jobs import JobEvent, ProgressFn, check_cancelled, never_cancelled, no_progress

# Gathered training arrays larger than this spill to a memory-mapped file in the cache folder.
IN_MEMORY_BUDGET_BYTES = 1 << 30
# Half the disk and memory of float32; the rounding (~1e-3 relative) is far below what training notices.
FEATURE_DTYPE = np.float16


@dataclass(frozen=True)
class PrepareProgress(JobEvent):
    """Images made ready for training: frozen features computed ('features', ``cached`` found in the
    cache) or pixels decoded ('pixels', for end-to-end training)."""

    kind: str
    done: int
    total: int
    cached: int = 0

_digest_memo: dict[tuple[str, int, int], str] = {}
_digest_lock = threading.Lock()


def file_digest(path: str | os.PathLike) -> str:
    """md5 of the file's bytes (what the catalog names images by), memoised by path, size and mtime."""
    st = os.stat(path)
    memo_key = (os.fspath(path), st.st_size, st.st_mtime_ns)
    with _digest_lock:
        hit = _digest_memo.get(memo_key)
    if hit:
        return hit
    digest = file_md5(path)
    with _digest_lock:
        _digest_memo[memo_key] = digest
    return digest


@dataclass
class GatheredArray:
    """A (n, ...) array in memory, or memory-mapped from a temporary file removed by :meth:`close`."""

    array: np.ndarray
    spill_path: Path | None = None

    def close(self) -> None:
        if self.spill_path is not None:
            del self.array
            self.spill_path.unlink(missing_ok=True)
            self.spill_path = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def allocate_array(shape: tuple[int, ...], dtype, spill_dir: str | os.PathLike | None,
                   budget: int = IN_MEMORY_BUDGET_BYTES) -> GatheredArray:
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    if nbytes <= budget or spill_dir is None:
        return GatheredArray(np.empty(shape, dtype))
    Path(spill_dir).mkdir(parents=True, exist_ok=True)
    path = Path(spill_dir) / f"_gather-{os.getpid()}-{uuid.uuid4().hex[:8]}.npy"
    return GatheredArray(np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=shape), path)


class FeatureCache:
    """One folder of per-image feature files for one cache key."""

    def __init__(self, cache_dir: str | os.PathLike, key: str):
        self.dir = Path(cache_dir) / "features" / key
        self.key = key

    def path_for(self, digest: str) -> Path:
        return self.dir / f"{digest}.npy"

    def load(self, digest: str) -> np.ndarray | None:
        try:
            return np.load(self.path_for(digest), allow_pickle=False)
        except (OSError, ValueError):  # missing, or a half-written file from a crash
            return None

    def save(self, digest: str, features: np.ndarray) -> None:
        # Atomic: the app and a headless command may share a cache. No fsync: a lost entry is
        # computed again.
        with atomic_write(self.path_for(digest), "wb", fsync=False) as f:
            np.save(f, features.astype(FEATURE_DTYPE, copy=False), allow_pickle=False)

    def count(self) -> int:
        return sum(1 for _ in self.dir.glob("*.npy")) if self.dir.is_dir() else 0


@dataclass
class FeatureStats:
    cached: int = 0  # read from the cache
    computed: int = 0  # run through the prefix now
    unreadable: list[str] = field(default_factory=list)


def gather_features(prefix, cache: FeatureCache, paths: Sequence[str], input_size: int, *,
                    pad_colour: tuple[int, int, int] = CLASSIFIER_PAD_COLOUR, batch_size: int = 32,
                    progress: ProgressFn = no_progress, cancelled: Callable[[], bool] = never_cancelled,
                    spill_dir: str | os.PathLike | None = None
                    ) -> tuple[GatheredArray, np.ndarray, FeatureStats]:
    """Features (float16) for ``paths``, from the cache or computed (and cached) with ``prefix``.

    Returns ``(features, ok, stats)``; rows of unreadable images are zeros with ``ok`` False.
    """
    feature_shape = tuple(int(d) for d in prefix.output.shape[1:])
    n = len(paths)
    out = allocate_array((n, *feature_shape), FEATURE_DTYPE, spill_dir)
    ok = np.zeros(n, bool)
    stats = FeatureStats()
    digests: list[str | None] = []
    missing: list[int] = []
    for i, path in enumerate(paths):
        try:
            digest = file_digest(path)
        except OSError:
            digests.append(None)
            stats.unreadable.append(path)
            out.array[i] = 0
            continue
        digests.append(digest)
        cached = cache.load(digest)
        if cached is not None and cached.shape == feature_shape:
            out.array[i] = cached
            ok[i] = True
            stats.cached += 1
        else:
            missing.append(i)
        if i % 256 == 0:
            check_cancelled(cancelled)
    total = len(missing)
    progress(0, total, f"Computing features: {stats.cached} cached, {total} to compute",
             event=PrepareProgress("features", 0, total, stats.cached))
    for start in range(0, total, batch_size):
        check_cancelled(cancelled)
        idx = missing[start:start + batch_size]
        pixels, readable = load_image_batch([paths[i] for i in idx], input_size, pad_colour=pad_colour)
        feats = np.asarray(prefix.predict_on_batch(pixels.astype(np.float32)), np.float32)
        for j, i in enumerate(idx):
            if readable[j]:
                out.array[i] = feats[j]
                cache.save(digests[i], feats[j])
                ok[i] = True
                stats.computed += 1
            else:
                out.array[i] = 0
                stats.unreadable.append(paths[i])
        done = min(start + batch_size, total)
        progress(done, total, f"Computing features {done}/{total} ({stats.cached} cached)",
                 event=PrepareProgress("features", done, total, stats.cached))
    return out, ok, stats


def gather_pixels(paths: Sequence[str], input_size: int, *,
                  pad_colour: tuple[int, int, int] = CLASSIFIER_PAD_COLOUR,
                  batch_size: int = 64, progress: ProgressFn = no_progress,
                  cancelled: Callable[[], bool] = never_cancelled,
                  spill_dir: str | os.PathLike | None = None) -> tuple[GatheredArray, np.ndarray]:
    """Decoded, padded, resized uint8 pixels for end-to-end training (the seed's way); ``ok`` marks
    readable."""
    n = len(paths)
    out = allocate_array((n, input_size, input_size, 3), np.uint8, spill_dir)
    ok = np.zeros(n, bool)
    for start in range(0, n, batch_size):
        check_cancelled(cancelled)
        stop = min(start + batch_size, n)
        out.array[start:stop], ok[start:stop] = load_image_batch(paths[start:stop], input_size,
                                                                 pad_colour=pad_colour)
        progress(stop, n, f"Loading images {stop}/{n}", event=PrepareProgress("pixels", stop, n))
    return out, ok
