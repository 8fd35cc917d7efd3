"""Sliced Wasserstein distance on Laplacian-pyramid patches (Karras et al. 2018, "Progressive
Growing of GANs", section 5): an image-quality number that needs no feature network, so it works
offline and on any machine.

Each image is split into a Laplacian pyramid (5-tap binomial filter, down to 16×16); from every
level, random 7×7×3 patches are taken from each image, and each set's patches are normalised per
colour channel. Per level, the distance between the real and the generated patch distributions is
the sliced Wasserstein distance: project both on random unit directions, sort, average the
absolute differences (the 1-D Wasserstein-1 distance along each direction), averaged over
directions. Reported ×10³ as in the paper, per level (fine detail first) and averaged. Lower is
better; two samples of the same set give a small non-zero value (the "real vs real" floor).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ganime_gui.core.jobs import UserError

PATCH = 7
MIN_LEVEL = 16
_BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0], np.float32) / 16.0


def _blur(images: np.ndarray) -> np.ndarray:
    from scipy.ndimage import convolve1d

    out = convolve1d(images, _BINOMIAL, axis=1, mode="mirror")
    return convolve1d(out, _BINOMIAL, axis=2, mode="mirror")


def pyr_down(images: np.ndarray) -> np.ndarray:
    return _blur(images)[:, ::2, ::2]


def pyr_up(images: np.ndarray) -> np.ndarray:
    n, h, w, c = images.shape
    up = np.zeros((n, h * 2, w * 2, c), np.float32)
    up[:, ::2, ::2] = images
    return _blur(up) * 4.0  # the zeros carry a quarter of the filter's mass


def laplacian_pyramid(images: np.ndarray, min_size: int = MIN_LEVEL) -> list[np.ndarray]:
    """(N, H, W, C) float images -> [finest band-pass level, ..., coarsest Gaussian level]."""
    levels = []
    current = np.asarray(images, np.float32)
    while current.shape[1] > min_size:
        smaller = pyr_down(current)
        levels.append(current - pyr_up(smaller))
        current = smaller
    levels.append(current)
    return levels


def reconstruct(levels: list[np.ndarray]) -> np.ndarray:
    """The inverse of :func:`laplacian_pyramid` (exact up to float rounding)."""
    image = levels[-1]
    for band in reversed(levels[:-1]):
        image = pyr_up(image) + band
    return image


def patch_descriptors(level: np.ndarray, per_image: int, rng: np.random.Generator,
                      size: int = PATCH) -> np.ndarray:
    """``per_image`` random size×size patches of each image, flattened: (N·per_image, size²·C)."""
    n, h, w, c = level.shape
    ys = rng.integers(0, h - size + 1, (n, per_image))
    xs = rng.integers(0, w - size + 1, (n, per_image))
    offs = np.arange(size)
    rows = (ys[..., None] + offs)[..., :, None]          # (n, p, size, 1)
    cols = (xs[..., None] + offs)[..., None, :]          # (n, p, 1, size)
    idx = np.arange(n)[:, None, None, None]
    patches = level[idx, rows, cols]                     # (n, p, size, size, c)
    return patches.reshape(n * per_image, size * size * c)


def normalise(descriptors: np.ndarray, channels: int = 3) -> np.ndarray:
    """Zero mean, unit variance per colour channel over the whole set, as the paper's code does."""
    d = descriptors.reshape(len(descriptors), -1, channels)
    d = (d - d.mean(axis=(0, 1), keepdims=True)) / (d.std(axis=(0, 1), keepdims=True) + 1e-8)
    return d.reshape(len(descriptors), -1)


def random_directions(dim: int, count: int, rng: np.random.Generator) -> np.ndarray:
    dirs = rng.standard_normal((dim, count)).astype(np.float32)
    return dirs / np.linalg.norm(dirs, axis=0, keepdims=True)


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, directions: np.ndarray) -> float:
    """Mean over ``directions`` (D, K unit columns) of the 1-D Wasserstein-1 distance between the
    projections of ``a`` and ``b`` (equal sample counts)."""
    if len(a) != len(b):
        raise ValueError("sliced_wasserstein needs as many samples on both sides")
    pa = np.sort(np.asarray(a, np.float32) @ directions, axis=0)
    pb = np.sort(np.asarray(b, np.float32) @ directions, axis=0)
    return float(np.abs(pa - pb).mean())


@dataclass(frozen=True)
class SwdResult:
    swd: float                      # ×10³, the mean over levels
    levels: tuple[float, ...]       # ×10³ per level, finest first
    resolutions: tuple[int, ...]
    real_samples: int
    fake_samples: int
    patches_per_image: int

    def label(self) -> str:
        res = "/".join(str(r) for r in self.resolutions)
        return (f"SWD {self.swd:.1f} ×10⁻³ (Laplacian-pyramid 7×7 patches at {res} px, no network; "
                f"{self.fake_samples} generated vs {self.real_samples} real, {self.patches_per_image} "
                f"patches each)")


def _as_float(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.dtype == np.uint8:
        return images.astype(np.float32) / 127.5 - 1.0
    return images.astype(np.float32)


def swd(real: np.ndarray, fake: np.ndarray, patches_per_image: int = 64, directions: int = 512,
        seed: int = 0, chunk: int = 500) -> SwdResult:
    """SWD between two image sets ((N, H, W, 3), uint8 or [-1, 1]); the larger set is cut to the
    size of the smaller so both sides have as many patches."""
    n = min(len(real), len(fake))
    if n < 2:
        raise UserError("SWD needs at least 2 real and 2 generated images.")
    if real.shape[1:] != fake.shape[1:]:
        raise UserError(f"SWD compares images of one size: got {real.shape[1:3]} and {fake.shape[1:3]}.")
    rng = np.random.default_rng(seed)
    descs: list[list[list[np.ndarray]]] = [[], []]  # side -> level -> chunks
    for side, images in enumerate((real[:n], fake[:n])):
        side_rng = np.random.default_rng([seed, 1])  # the same patch places on both sides
        for start in range(0, n, chunk):
            pyramid = laplacian_pyramid(_as_float(images[start:start + chunk]))
            if not descs[side]:
                descs[side] = [[] for _ in pyramid]
            for i, level in enumerate(pyramid):
                descs[side][i].append(patch_descriptors(level, patches_per_image, side_rng))
    sizes = [real.shape[1] // 2 ** i for i in range(len(descs[0]))]
    values = []
    for level_real, level_fake in zip(*descs):
        a, b = normalise(np.concatenate(level_real)), normalise(np.concatenate(level_fake))
        values.append(sliced_wasserstein(a, b, random_directions(a.shape[1], directions, rng)) * 1e3)
    return SwdResult(float(np.mean(values)), tuple(values), tuple(sizes), n, n, patches_per_image)
