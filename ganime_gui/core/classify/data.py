"""Classifier data: labelled image lists, square padding, resizing, a stratified split, class weights.

No TensorFlow here: images are decoded and resized with Pillow (antialiased, unlike Keras's
``image_dataset_from_directory``) into uint8 arrays that both training and Apply use, so a model
sees the same pixels in both.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from PIL import Image, ImageOps

from ganime_gui.core.images import BLACK, flatten_to_rgb, is_image_file, open_image
from ganime_gui.core.jobs import UserError

# The seed padded with black for the classifier (white is for GAN data).
CLASSIFIER_PAD_COLOUR = BLACK
MIN_IMAGES_PER_CLASS = 4


def load_image_array(path: str | os.PathLike, size: int,
                     pad_colour: tuple[int, int, int] = CLASSIFIER_PAD_COLOUR) -> np.ndarray | None:
    """Decode an image, pad it to a centred square and resize it to ``size``; None if unreadable.

    Transparent pixels are composited on white (how booru pages show them). Returns uint8 (size, size, 3).
    A truncated file counts as unreadable.
    """
    try:
        with open_image(path) as im:
            im.draft("RGB", (size, size))  # JPEG: let the decoder downscale first (much faster)
            im.load()
            # ImageOps.pad resizes then centres on the padding colour: the seed's square_pad + resize.
            im = ImageOps.pad(flatten_to_rgb(im), (size, size), method=Image.Resampling.BICUBIC,
                              color=pad_colour)
            return np.asarray(im, dtype=np.uint8)
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def load_image_batch(paths: Sequence[str | os.PathLike], size: int, threads: int | None = None,
                     pad_colour: tuple[int, int, int] = CLASSIFIER_PAD_COLOUR
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Decode many images in threads (Pillow releases the GIL while decoding and resizing).

    Returns ``(pixels uint8 (n, size, size, 3), ok bool (n,))``; unreadable images are zeros with ok False.
    """
    out = np.zeros((len(paths), size, size, 3), np.uint8)
    ok = np.zeros(len(paths), bool)
    if not paths:
        return out, ok
    workers = threads or min(8, (os.cpu_count() or 2) + 2)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for i, arr in enumerate(pool.map(lambda p: load_image_array(p, size, pad_colour), paths)):
            if arr is not None:
                out[i] = arr
                ok[i] = True
    return out, ok


def folder_items(root: str | os.PathLike) -> list[tuple[str, str]]:
    """(path, label) pairs from a folder-per-class layout: ``root/<label>/<image>``."""
    root = Path(root)
    if not root.is_dir():
        raise UserError(f"The folder {root} does not exist. Choose a folder with one sub-folder per class.")
    items = []
    for class_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for f in sorted(class_dir.iterdir()):
            if is_image_file(f):
                items.append((str(f), class_dir.name))
    return items


@dataclass
class LabelledSplit:
    """A seeded stratified train/validation split of labelled images."""

    class_names: list[str]
    train_paths: list[str]
    train_labels: np.ndarray  # int class indices
    val_paths: list[str]
    val_labels: np.ndarray
    class_weights: dict[int, float]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)

    def drop(self, bad_paths: Iterable[str], why: str) -> None:
        """Remove images found unreadable later (while decoding) and list them as skipped."""
        bad = set(bad_paths)
        if not bad:
            return
        keep_t = [i for i, p in enumerate(self.train_paths) if p not in bad]
        keep_v = [i for i, p in enumerate(self.val_paths) if p not in bad]
        self.train_paths = [self.train_paths[i] for i in keep_t]
        self.train_labels = self.train_labels[keep_t]
        self.val_paths = [self.val_paths[i] for i in keep_v]
        self.val_labels = self.val_labels[keep_v]
        self.skipped.extend((p, why) for p in sorted(bad))
        check_class_sizes(self.class_names, self.train_labels, self.val_labels)
        self.class_weights = balanced_class_weights(self.train_labels, len(self.class_names))


def balanced_class_weights(labels: np.ndarray, n_classes: int) -> dict[int, float]:
    """Weights n / (k * n_c), so every class contributes equally to the loss (as sklearn's 'balanced')."""
    counts = np.bincount(labels, minlength=n_classes).astype(float)
    total = counts.sum()
    return {c: float(total / (n_classes * counts[c])) if counts[c] else 0.0 for c in range(n_classes)}


def check_class_sizes(class_names: Sequence[str], train_labels: np.ndarray, val_labels: np.ndarray) -> None:
    for c, name in enumerate(class_names):
        n_train = int(np.sum(train_labels == c))
        n_val = int(np.sum(val_labels == c))
        if n_train == 0 or n_val == 0:
            raise UserError(
                f"Class '{name}' has too few readable images ({n_train} for training, {n_val} for "
                f"validation). Label at least {MIN_IMAGES_PER_CLASS} images as '{name}' and train again.")


def split_items(items: Sequence[tuple[str, str]], *, val_fraction: float = 0.2, seed: int = 0,
                class_names: Sequence[str] | None = None,
                min_per_class: int = MIN_IMAGES_PER_CLASS) -> LabelledSplit:
    """Split (path, label) pairs per class, seeded, so validation holds ``val_fraction`` of every class.

    Missing files are skipped and listed. ``class_names`` fixes the class order (and lets a class
    with no images be reported); by default the sorted labels are used.
    """
    if not 0 < val_fraction < 1:
        raise UserError(f"The validation fraction must be between 0 and 1 (got {val_fraction}).")
    skipped: list[tuple[str, str]] = []
    by_class: dict[str, list[str]] = {}
    seen: set[str] = set()
    for path, label in items:
        path = str(path)
        if path in seen:
            continue
        seen.add(path)
        if not os.path.isfile(path):
            skipped.append((path, "file not found"))
            continue
        by_class.setdefault(str(label), []).append(path)
    names = list(class_names) if class_names is not None else sorted(by_class)
    if len(names) < 2:
        raise UserError("A classifier needs at least two classes with labelled images; "
                        f"found {len(names)} ({', '.join(names) or 'none'}). Label more images.")
    for name in names:
        n = len(by_class.get(name, []))
        if n < min_per_class:
            raise UserError(f"Class '{name}' has {n} image{'s' if n != 1 else ''}; at least "
                            f"{min_per_class} are needed to train and validate. Label more '{name}' images.")
    extra = sorted(set(by_class) - set(names))
    for name in extra:
        skipped.extend((p, f"label '{name}' is not one of the classes") for p in by_class[name])
    rng = np.random.default_rng(seed)
    train_p, train_l, val_p, val_l = [], [], [], []
    for c, name in enumerate(names):
        paths = sorted(by_class[name])
        order = rng.permutation(len(paths))
        n_val = min(len(paths) - 1, max(1, int(round(len(paths) * val_fraction))))
        for rank, i in enumerate(order):
            (val_p if rank < n_val else train_p).append(paths[i])
            (val_l if rank < n_val else train_l).append(c)
    train_labels = np.asarray(train_l, np.int64)
    val_labels = np.asarray(val_l, np.int64)
    return LabelledSplit(class_names=names, train_paths=train_p, train_labels=train_labels,
                         val_paths=val_p, val_labels=val_labels,
                         class_weights=balanced_class_weights(train_labels, len(names)), skipped=skipped)
