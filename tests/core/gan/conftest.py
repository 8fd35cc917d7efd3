"""Tiny GAN runs on synthetic images: small widths and 32 px keep each run to seconds on 2 cores."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from ganime_gui.core.gan.config import GanConfig


def tiny_config(**overrides) -> GanConfig:
    settings = dict(resolution=32, latent_dim=16, base_channels=8, batch_size=8, total_kimg=0.04,
                    preview_every_kimg=0.016, checkpoint_every_kimg=0.0, checkpoint_every_minutes=0,
                    preview_grid=(2, 3), log_every_steps=2, seed=1)
    settings.update(overrides)
    return GanConfig(**settings)


def blob_images(count: int, size: int, seed: int = 0) -> np.ndarray:
    """Coloured discs on white, uint8 (count, size, size, 3): a learnable toy distribution."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    images = np.full((count, size, size, 3), 255, np.uint8)
    for img in images:
        cy, cx = rng.uniform(size * 0.3, size * 0.7, 2)
        r = rng.uniform(size * 0.15, size * 0.3)
        img[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = rng.integers(0, 200, 3)
    return images


@pytest.fixture
def make_config():
    """``make_config(**overrides)``: a tiny GanConfig."""
    return tiny_config


@pytest.fixture
def prepared_npy(tmp_path):
    """A prepared set of 40 toy images at 32 px, float16 in [-1, 1] like the cache holds."""
    path = tmp_path / "prepared.npy"
    np.save(path, (blob_images(40, 32).astype(np.float32) / 127.5 - 1).astype(np.float16))
    return path


@pytest.fixture
def image_folder(tmp_path):
    """A folder of toy images in several formats and shapes, plus one corrupt file."""
    folder = tmp_path / "images"
    folder.mkdir()
    for i, img in enumerate(blob_images(12, 48, seed=3)):
        Image.fromarray(img).save(folder / f"img{i:02d}.{'png' if i % 2 else 'jpg'}")
    wide = np.zeros((20, 60, 3), np.uint8)  # black, non-square: padding must be white
    Image.fromarray(wide).save(folder / "wide.png")
    rgba = np.zeros((30, 30, 4), np.uint8)  # fully transparent: composited over white
    Image.fromarray(rgba, "RGBA").save(folder / "transparent.png")
    (folder / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    return folder


@pytest.fixture
def make_blobs():
    """``make_blobs(count, size, seed)``: toy images, uint8."""
    return blob_images
