"""Thumbnails: fast scaled decoding and a disk cache keyed by content.

A thumbnail lives at ``<project>/cache/thumbs/<bucket>/<md5[:2]>/<md5>.jpg`` where the bucket is
the longest side in pixels (128, 256 or 512): the file's md5 names the content, so a renamed file
keeps its thumbnail and a changed one never shows a stale one. Every function here is safe to call
from many threads at once (atomic writes; two threads making the same thumbnail both succeed).
"""
from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from ganime_gui.core.fsutil import atomic_write_bytes
from ganime_gui.core.images import flatten_to_rgb, open_image

BUCKETS = (128, 256, 512)
BACKGROUND = (236, 236, 236)   # what transparent pixels become
JPEG_QUALITY = 85


def bucket_for(display_px: int) -> int:
    """The smallest cached size at least as big as what is shown (the largest one beyond)."""
    for b in BUCKETS:
        if b >= display_px:
            return b
    return BUCKETS[-1]


def thumb_path(thumbs_dir: Path, md5: str, bucket: int) -> Path:
    return Path(thumbs_dir) / str(bucket) / md5[:2] / f"{md5}.jpg"


def open_scaled(path: str | Path, longest: int) -> Image.Image:
    """Decode an image at about ``longest`` pixels on its longest side, as RGB.

    ``draft`` lets libjpeg decode at 1/2, 1/4 or 1/8 scale (the big win for JPEG);
    ``thumbnail(reducing_gap=...)`` uses ``reduce`` (box averaging by whole factors) before the
    final resample for the other formats, which is several times faster than a full resize.
    """
    with open_image(path) as img:
        img.draft("RGB", (longest, longest))
        if getattr(img, "n_frames", 1) > 1:
            img.seek(0)
        img.thumbnail((longest, longest), Image.Resampling.BILINEAR, reducing_gap=2.0)
        return flatten_to_rgb(img, BACKGROUND)


def make_thumbnail(thumbs_dir: Path, source: str | Path, md5: str, bucket: int) -> Image.Image:
    """Decode ``source`` at the bucket's size, write it to the cache and return it (a caller that
    shows it at once need not read the file back). Raises OSError (PIL's
    UnidentifiedImageError is one) for an unreadable source."""
    img = open_scaled(source, bucket)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=JPEG_QUALITY)
    _write_cache_file(thumb_path(thumbs_dir, md5, bucket), buf.getvalue())
    return img


def _write_cache_file(path: Path, data: bytes) -> None:
    """An atomic write without fsync: a cache file lost or left empty by a power cut is remade
    when it fails to decode, and an fsync per thumbnail would cost more than making it."""
    atomic_write_bytes(path, data, fsync=False)


def ensure_thumbnail(thumbs_dir: Path, source: str | Path, md5: str, bucket: int) -> Path:
    """The cached thumbnail's path, making it first when missing."""
    dest = thumb_path(thumbs_dir, md5, bucket)
    if not dest.is_file() or dest.stat().st_size == 0:
        make_thumbnail(thumbs_dir, source, md5, bucket)
    return dest
