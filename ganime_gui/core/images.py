"""Image facts and operations shared by the crawler, the Sort tab, the classifier and the GAN."""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

from PIL import Image

# What the app treats as an image file when it reads a folder.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp"})
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)


def is_image_file(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES and path.is_file() and not path.name.startswith(".")


def file_md5(path: str | os.PathLike) -> str:
    """The md5 of a file's bytes (the catalog's identity of an image), read in 1 MiB chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def flatten_to_rgb(image: Image.Image, background: tuple[int, int, int] = WHITE) -> Image.Image:
    """RGB, with transparent pixels composited over ``background`` (boorus show them on white)."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        out = Image.new("RGB", rgba.size, background)
        out.paste(rgba, mask=rgba.getchannel("A"))
        return out
    return image.convert("RGB")


def pad_to_square(image: Image.Image, fill: tuple[int, int, int]) -> Image.Image:
    """Centre the picture on a square canvas of ``fill`` (the seed's square_pad: black for the
    classifier, white for GAN data), so resizing keeps the figure's proportions."""
    w, h = image.size
    side = max(w, h)
    if w == h:
        return image
    square = Image.new(image.mode, (side, side), fill)
    square.paste(image, ((side - w) // 2, (side - h) // 2))
    return square
