"""The GAN's training set: images padded, resized and scaled as the seed project did, cached on disk.

The seed padded each image to a square with white (its images have white backgrounds), resized
it to 64, 128 or 256 pixels and stored the set as an array scaled to [-1, 1]. We do the same with
Pillow's antialiased (Lanczos) resize, into a memory-mapped ``.npy`` in the project's cache, so
a 10k set at 256 px never has to fit in memory. The file name is a hash of the selection (paths,
sizes, modification times) and the resolution: the same selection reuses the cache, a changed one
builds a new file. Images that fail to decode are skipped and listed, not fatal.

Values are stored as float16: it halves the disk and holds 8-bit pixels in [-1, 1] exactly enough
(its step near 1 is 0.0005, a pixel step is 0.0078). Exports are float32 like the seed's arrays.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from PIL import Image

from ganime_gui.core.fsutil import atomic_path, atomic_write_text
from ganime_gui.core.images import WHITE, flatten_to_rgb, is_image_file, open_image, pad_to_square
from ganime_gui.core.jobs import (CancelledFn, ProgressFn, UserError, check_cancelled,
                                  never_cancelled, no_progress)

RESOLUTIONS = (64, 128, 256)  # offered in the app; any power of two from 16 to 1024 works in core
CACHE_DTYPE = np.float16


@dataclass(frozen=True)
class PreparedDataset:
    """A prepared set on disk: ``path`` holds an (N, res, res, 3) array in [-1, 1]."""
    path: Path
    resolution: int
    count: int
    skipped: tuple[tuple[str, str], ...] = field(default=())  # (image path, why it was skipped)

    def load(self) -> np.ndarray:
        return load_array(self.path)


def check_resolution(resolution: int) -> int:
    resolution = int(resolution)
    if resolution < 16 or resolution > 1024 or resolution & (resolution - 1):
        raise UserError(f"The GAN resolution must be a power of two between 16 and 1024 "
                        f"(64, 128 or 256 in the app); got {resolution}.")
    return resolution


def list_image_files(folder: str | Path) -> list[Path]:
    """Image files directly inside ``folder`` and its subfolders, sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder.")
    return sorted(p for p in folder.rglob("*") if is_image_file(p))


def pad_and_resize(image: Image.Image, resolution: int, fill=WHITE) -> np.ndarray:
    """Composite transparency over white, pad to a centred square with white, resize antialiased.

    Returns uint8 (resolution, resolution, 3).
    """
    square = pad_to_square(flatten_to_rgb(image, fill), fill)
    if square.width != resolution:
        square = square.resize((resolution, resolution), Image.Resampling.LANCZOS)
    return np.asarray(square, dtype=np.uint8)


def to_unit_range(pixels: np.ndarray) -> np.ndarray:
    """uint8 [0, 255] -> float32 [-1, 1]."""
    return pixels.astype(np.float32) / 127.5 - 1.0


def to_uint8(images: np.ndarray) -> np.ndarray:
    """float [-1, 1] -> uint8 [0, 255] (clipped: generator output can overshoot slightly)."""
    scaled = np.nan_to_num((np.asarray(images, np.float32) + 1.0) * 127.5)  # NaN shows as black
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def selection_key(paths: Sequence[Path], resolution: int) -> str:
    """A hash of what the cached array depends on: the files (path, size, mtime) and the size."""
    digest = hashlib.sha1(f"gan-dataset-v1|{resolution}".encode())
    for path in paths:
        try:
            st = os.stat(path)
            stamp = f"{st.st_size}:{st.st_mtime_ns}"
        except OSError:
            stamp = "missing"
        digest.update(f"\n{Path(path).resolve()}|{stamp}".encode())
    return digest.hexdigest()[:16]


def _meta_path(npy_path: Path) -> Path:
    return npy_path.with_suffix(".json")


def cached_dataset(cache_dir: str | Path, paths: Iterable[str | Path],
                   resolution: int) -> PreparedDataset | None:
    """The prepared set for this selection if it is already in the cache, else None."""
    paths = sorted(Path(p) for p in paths)
    npy = Path(cache_dir) / f"gan-{resolution}-{selection_key(paths, resolution)}.npy"
    return _read_prepared(npy)


def _read_prepared(npy: Path) -> PreparedDataset | None:
    meta_path = _meta_path(npy)
    if not (npy.is_file() and meta_path.is_file()):
        return None
    meta = json.loads(meta_path.read_text())
    return PreparedDataset(npy, meta["resolution"], meta["count"],
                           tuple(tuple(s) for s in meta["skipped"]))


def prepare_dataset(paths: Iterable[str | Path], cache_dir: str | Path, resolution: int = 64,
                    progress: ProgressFn = no_progress,
                    cancelled: CancelledFn = never_cancelled) -> PreparedDataset:
    """Pad, resize and scale ``paths`` into a cached memory-mapped array; reuse it if unchanged.

    Paths are sorted first, so the same selection in another order hits the same cache file.
    """
    resolution = check_resolution(resolution)
    paths = sorted(Path(p) for p in paths)
    if not paths:
        raise UserError("No images were selected for the GAN: pick a label or a folder that has images.")
    cache_dir = Path(cache_dir)
    cache_dir.mkdir(parents=True, exist_ok=True)
    npy = cache_dir / f"gan-{resolution}-{selection_key(paths, resolution)}.npy"
    existing = _read_prepared(npy)
    if existing is not None:
        progress(len(paths), len(paths), f"Using the prepared set ({existing.count} images)")
        return existing

    skipped: list[tuple[str, str]] = []
    with atomic_path(npy) as tmp:  # the cache is only ever whole (or absent)
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=CACHE_DTYPE,
                                        shape=(len(paths), resolution, resolution, 3))
        count = 0
        for i, path in enumerate(paths):
            check_cancelled(cancelled)
            try:
                with open_image(path) as image:
                    image.load()
                    pixels = pad_and_resize(image, resolution)
            except (OSError, ValueError, Image.DecompressionBombError) as exc:
                skipped.append((str(path), f"{type(exc).__name__}: {exc}"))
                continue
            out[count] = to_unit_range(pixels)
            count += 1
            if i % 16 == 0 or i == len(paths) - 1:
                progress(i + 1, len(paths), f"Preparing images at {resolution}×{resolution}")
        if count == 0:
            raise UserError(f"None of the {len(paths)} selected images could be read: "
                            f"the first problem was {skipped[0][1]}.")
        out.flush()
        del out
        if count < len(paths):  # drop the rows left for skipped images
            _truncate_rows(tmp, count)
    meta = {"resolution": resolution, "count": count, "sources": len(paths), "skipped": skipped}
    atomic_write_text(_meta_path(npy), json.dumps(meta, indent=1))
    return PreparedDataset(npy, resolution, count, tuple(skipped))


def _truncate_rows(path: Path, rows: int) -> None:
    full = np.load(path, mmap_mode="r")
    trimmed_path = path.with_name(path.name + ".trim.npy")
    trimmed = np.lib.format.open_memmap(trimmed_path, mode="w+", dtype=full.dtype,
                                        shape=(rows,) + full.shape[1:])
    for start in range(0, rows, 512):
        stop = min(rows, start + 512)
        trimmed[start:stop] = full[start:stop]
    trimmed.flush()
    del trimmed, full
    os.replace(trimmed_path, path)


def load_array(path: str | Path) -> np.ndarray:
    """Open a prepared set (memory-mapped) and check its shape; uint8 arrays are accepted too."""
    path = Path(path)
    try:
        data = np.load(path, mmap_mode="r")
    except (OSError, ValueError) as exc:
        raise UserError(f"Could not read the prepared set {path.name}: {exc}") from exc
    if data.ndim != 4 or data.shape[-1] != 3 or data.shape[1] != data.shape[2]:
        raise UserError(f"{path.name} is not a set of square RGB images: its shape is {data.shape}, "
                        f"expected (count, size, size, 3).")
    check_resolution(data.shape[1])
    if data.dtype not in (np.uint8, np.float16, np.float32, np.float64):
        raise UserError(f"{path.name} holds {data.dtype} values; expected floats in [-1, 1] or uint8.")
    if len(data) == 0:
        raise UserError(f"{path.name} holds no images.")
    return data


def as_unit_float(batch: np.ndarray) -> np.ndarray:
    """A batch from :func:`load_array` as float32 in [-1, 1], whatever its stored dtype."""
    if batch.dtype == np.uint8:
        return to_unit_range(batch)
    return np.asarray(batch, dtype=np.float32)


def export_npy(data_path: str | Path, dest: str | Path) -> Path:
    """Write the prepared set as a float32 .npy in [-1, 1] (the seed's format)."""
    data = load_array(data_path)
    dest = Path(dest)
    with atomic_path(dest) as tmp:
        out = np.lib.format.open_memmap(tmp, mode="w+", dtype=np.float32, shape=data.shape)
        for start in range(0, len(data), 512):
            out[start:start + 512] = as_unit_float(data[start:start + 512])
        out.flush()
        del out
    return dest


def export_png_folder(data_path: str | Path, dest_dir: str | Path, progress: ProgressFn = no_progress,
                      cancelled: CancelledFn = never_cancelled) -> Path:
    """Write every image of the prepared set as ``000000.png``, ``000001.png``, ... in ``dest_dir``."""
    data = load_array(data_path)
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    for i in range(len(data)):
        check_cancelled(cancelled)
        pixels = data[i] if data.dtype == np.uint8 else to_uint8(data[i])
        Image.fromarray(pixels).save(dest_dir / f"{i:06d}.png")
        if i % 64 == 0 or i == len(data) - 1:
            progress(i + 1, len(data), "Exporting images")
    return dest_dir


class BatchSampler:
    """Random training batches from a prepared set, optionally mirrored left-right.

    A batch is a pure function of (seed, step): resuming at step s draws exactly the batches the
    uninterrupted run would have drawn, with no sampler state to save, and prefetching is safe.
    """

    def __init__(self, data: np.ndarray, batch_size: int, seed: int = 0, mirror: bool = False):
        self.data = data
        self.batch_size = int(batch_size)
        self.seed = int(seed)
        self.mirror = bool(mirror)

    def batch(self, step: int, index: int = 0) -> np.ndarray:
        """The ``index``-th batch of ``step`` (several per step for multi-critic losses), float32."""
        rng = np.random.default_rng([self.seed, int(step), int(index)])
        picks = rng.integers(0, len(self.data), size=self.batch_size)
        order = np.argsort(picks)  # sorted reads are kinder to a memory-mapped file
        batch = np.empty((self.batch_size,) + self.data.shape[1:], np.float32)
        batch[order] = as_unit_float(self.data[picks[order]])
        if self.mirror:
            flip = rng.random(self.batch_size) < 0.5
            batch[flip] = batch[flip, :, ::-1]
        return batch
