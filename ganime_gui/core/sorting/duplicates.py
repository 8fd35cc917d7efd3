"""Near-duplicate groups by perceptual hash, and keeping the best of each group.

Each file gets a signature ``<pHash, 16 hex>/<colour grid, 216 hex>`` (stored in ``files.phash``),
computed on the picture cropped to its content (a plain border trimmed) and padded square, so a
re-crop or rescale of the same picture lands close. The pHash finds candidates; the 6x6 colour grid
confirms them: pHash alone sees two different small figures on white as the same shape.

Duplicates are marked, never deleted: the losers get the label ``duplicate`` in the label set
``duplicates`` (the winner gets ``keep``), so undo works and the queues can hide them.
"""
from __future__ import annotations

import concurrent.futures
import os
from dataclasses import dataclass

import imagehash
import numpy as np
from PIL import Image, ImageChops

from ganime_gui.core.catalog import Catalog
from ganime_gui.core.catalog.sorting import HistoryStep
from ganime_gui.core.jobs import Job, check_cancelled
from ganime_gui.core.project import Project
from ganime_gui.core.thumbs import open_scaled

DUPLICATE_SET = "duplicates"
DUPLICATE_CLASSES = ["keep", "duplicate"]
# Bits (of 64) two pHashes may differ by and still be the same picture, and how far (0-255) any
# cell of their colour grids may. Measured on the generator's near-copies (re-encoded, a few pixels
# cropped, rescaled, brightness nudged): at most 12 bits and 27 levels; different pictures that
# pass the pHash test differ by 54 levels or more in 99 % of pairs.
DEFAULT_MAX_DISTANCE = 12
MAX_GRID_DIFFERENCE = 36
_HASH_INPUT_PX = 512   # the content may be a small part of the frame: trim at a useful size
_GRID = 6
_BORDER_TOLERANCE = 40
_BLOCK = 1024          # rows compared at once: bounds memory at BLOCK x N uint64


@dataclass(frozen=True)
class DuplicateGroup:
    best: int                   # file id to keep
    members: tuple[int, ...]    # best first, then the others by id


def signature_of(path) -> str:
    img = _trim_square(open_scaled(path, _HASH_INPUT_PX))
    grid = np.asarray(img.resize((_GRID, _GRID), Image.Resampling.BOX), dtype=np.uint8)
    return f"{imagehash.phash(img)}/{grid.tobytes().hex()}"


def _trim_square(img: Image.Image) -> Image.Image:
    """Crop a plain border (the top-left pixel's colour) and pad the rest square."""
    background = img.getpixel((0, 0))
    diff = ImageChops.difference(img, Image.new(img.mode, img.size, background)).convert("L")
    box = diff.point(lambda v: 255 if v > _BORDER_TOLERANCE else 0).getbbox()
    if box is None:
        return img
    img = img.crop(box)
    side = max(img.size)
    square = Image.new("RGB", (side, side), background)
    square.paste(img, ((side - img.width) // 2, (side - img.height) // 2))
    return square


def compute_phashes_job(project: Project, catalog: Catalog) -> Job:
    """A job that hashes every file without a pHash yet (unreadable files are skipped)."""
    def job(progress, cancelled) -> int:
        todo = catalog.files_without_phash()
        workers = max(1, os.cpu_count() or 1)
        done = 0
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            for start in range(0, len(todo), 256):
                check_cancelled(cancelled)
                chunk = todo[start:start + 256]
                hashes = pool.map(lambda item: _try_hash(project, item), chunk)
                catalog.set_phashes([h for h in hashes if h is not None])
                done += len(chunk)
                progress(done, len(todo), "Hashing images for near-duplicates")
        return len(todo)
    return job


def _try_hash(project: Project, item: tuple[int, str]) -> tuple[int, str] | None:
    file_id, rel = item
    try:
        return file_id, signature_of(project.abspath(rel))
    except OSError:
        return None


def find_duplicate_groups(catalog: Catalog, max_distance: int = DEFAULT_MAX_DISTANCE,
                          max_grid_difference: int = MAX_GRID_DIFFERENCE) -> list[DuplicateGroup]:
    """Groups of files whose signatures match (transitively), largest group first. The best of a
    group has the most pixels, then the most bytes, then the lowest id."""
    rows = [r for r in catalog.phash_rows() if "/" in r[1]]
    if len(rows) < 2:
        return []
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    hashes = np.array([int(r[1][:16], 16) for r in rows], dtype=np.uint64)
    grids = np.array([np.frombuffer(bytes.fromhex(r[1][17:]), dtype=np.uint8) for r in rows],
                     dtype=np.int16)
    quality = {r[0]: (r[2], r[3], -r[0]) for r in rows}
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for start in range(0, len(rows), _BLOCK):
        block = hashes[start:start + _BLOCK]
        distances = np.bitwise_count(block[:, None] ^ hashes[None, :])
        for a, b in zip(*np.nonzero(distances <= max_distance)):
            a += start
            if a < b and np.abs(grids[a] - grids[b]).max() <= max_grid_difference:
                ra, rb = find(int(a)), find(int(b))
                if ra != rb:
                    parent[rb] = ra
    members: dict[int, list[int]] = {}
    for i in range(len(rows)):
        members.setdefault(find(i), []).append(int(ids[i]))
    groups = []
    for group in members.values():
        if len(group) > 1:
            best = max(group, key=quality.__getitem__)
            groups.append(DuplicateGroup(best, (best, *sorted(g for g in group if g != best))))
    groups.sort(key=lambda g: (-len(g.members), g.best))
    return groups


def keep_best(catalog: Catalog, group: DuplicateGroup, best: int | None = None) -> HistoryStep | None:
    """Mark ``best`` (default: the group's best) as kept and the rest as duplicates, as one
    undoable step."""
    if catalog.label_set(DUPLICATE_SET) is None:
        catalog.create_label_set(DUPLICATE_SET, DUPLICATE_CLASSES)
    keep = group.best if best is None else best
    return catalog.apply_label_changes(
        DUPLICATE_SET, group.members,
        {f: ("keep" if f == keep else "duplicate") for f in group.members})
