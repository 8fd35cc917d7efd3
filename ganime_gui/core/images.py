"""Image facts and operations shared by the crawler, the Sort tab, the classifier and the GAN."""
from __future__ import annotations

import hashlib
import os
import warnings
from pathlib import Path

from PIL import Image

# What the app treats as an image file when it reads a folder.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp"})
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)

# The most pixels the app decodes in one picture. The largest booru originals ("absurdres") are
# 40-70 megapixels; a decoded 100 MP picture already takes 300-400 MB. A file that claims more is
# refused before decoding: a 140 KB PNG can claim 144 MP and take 760 MB to open (a
# decompression bomb). Pillow's own guard is set to the same number, so any Image.open in the
# app refuses twice that outright instead of warning.
MAX_PIXELS = 100_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS
# Between the cap and twice it Pillow only warns (on stderr); open_image refuses those itself.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


class ImageRejected(OSError):
    """A file that is not a usable picture: unreadable, truncated, or too many pixels.

    An OSError, like Pillow's UnidentifiedImageError, so every ``except OSError`` that skips an
    unreadable file skips these too (Pillow's DecompressionBombError is not an OSError).
    """


class ImageTooLarge(ImageRejected):
    pass


def open_image(path: str | os.PathLike) -> Image.Image:
    """``Image.open`` with the pixel cap: the one way the app opens an image file.

    Reads only the header; raises :class:`ImageTooLarge` for more than :data:`MAX_PIXELS`
    pixels and :class:`ImageRejected` (an OSError) for anything Pillow cannot identify.
    """
    name = Path(path).name
    try:
        image = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(f"{name} claims far more than the {MAX_PIXELS // 1_000_000} MP this "
                            f"app decodes (a decompression bomb); refused") from exc
    except OSError as exc:
        if isinstance(exc, ImageRejected) or getattr(exc, "errno", None):
            raise
        raise ImageRejected(f"{name} is not a picture this app can read ({exc})") from exc
    w, h = image.size
    if w * h > MAX_PIXELS:
        image.close()
        raise ImageTooLarge(f"{name} is {w} x {h} pixels ({w * h / 1e6:.0f} MP), more than the "
                            f"{MAX_PIXELS // 1_000_000} MP this app decodes (a decompression "
                            f"bomb?); refused")
    return image


def check_image(path: str | os.PathLike, decode: bool = True) -> tuple[int, int]:
    """The picture's (width, height) after making sure it is usable; ``decode`` decodes every
    pixel, which is the only way to find a truncated JPEG. Raises :class:`ImageRejected`."""
    with open_image(path) as image:
        size = image.size
        if decode:
            try:
                image.load()
            except (OSError, SyntaxError, ValueError) as exc:
                raise ImageRejected(f"{Path(path).name} does not decode: {exc}") from exc
    return size


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
