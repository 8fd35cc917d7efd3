"""SWD: the pyramid is exact, the sliced distance is the known one for a shift, the metric ranks sets."""
from __future__ import annotations

import numpy as np
import pytest

from ganime_gui.core.gan.swd import (laplacian_pyramid, normalise, patch_descriptors, random_directions,
                                     reconstruct, sliced_wasserstein, swd)


def test_the_laplacian_pyramid_reconstructs_the_image():
    images = np.random.default_rng(0).uniform(-1, 1, (3, 64, 64, 3)).astype(np.float32)
    levels = laplacian_pyramid(images)
    assert [lv.shape[1] for lv in levels] == [64, 32, 16]
    np.testing.assert_allclose(reconstruct(levels), images, atol=1e-5)
    flat = np.full((1, 32, 32, 3), 0.3, np.float32)  # no detail: the band-pass levels are zero
    assert np.abs(laplacian_pyramid(flat)[0]).max() < 1e-6


def test_identical_sets_are_at_distance_zero(make_blobs):
    images = make_blobs(40, 32)
    result = swd(images, images.copy(), patches_per_image=16)
    assert result.swd == pytest.approx(0.0, abs=1e-9) and result.levels == (0.0, 0.0)


def test_a_shift_along_a_direction_gives_that_distance():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((5000, 4)).astype(np.float32)
    shift = np.array([0.5, 0.0, 0.0, 0.0], np.float32)
    e1 = np.eye(4, 1, dtype=np.float32)  # the first axis as the only direction
    assert sliced_wasserstein(a + shift, a, e1) == pytest.approx(0.5, abs=1e-6)
    # Random unit directions d: each sees the shift d·c, so the mean is the mean of |d·c|.
    dirs = random_directions(4, 256, rng)
    assert sliced_wasserstein(a + shift, a, dirs) == pytest.approx(np.abs(shift @ dirs).mean(), abs=1e-5)
    # Two samples of N(0, 1) and N(mu, 1): the Wasserstein-1 distance is mu, up to sampling noise.
    b = rng.standard_normal((20000, 1)).astype(np.float32)
    c = rng.standard_normal((20000, 1)).astype(np.float32) + 0.3
    assert sliced_wasserstein(c, b, np.ones((1, 1), np.float32)) == pytest.approx(0.3, abs=0.03)


def test_descriptors_are_patches_and_normalised_per_channel():
    level = np.arange(2 * 9 * 9 * 3, dtype=np.float32).reshape(2, 9, 9, 3)
    d = patch_descriptors(level, 5, np.random.default_rng(0))
    assert d.shape == (10, 7 * 7 * 3)
    first = d[0].reshape(7, 7, 3)
    y, x = np.argwhere(level[0, :, :, 0] == first[0, 0, 0])[0]
    np.testing.assert_array_equal(level[0, y:y + 7, x:x + 7], first)
    n = normalise(np.random.default_rng(2).normal(5, 3, (400, 147)))
    per_channel = n.reshape(400, 49, 3)
    assert np.allclose(per_channel.mean(axis=(0, 1)), 0, atol=1e-6)
    assert np.allclose(per_channel.std(axis=(0, 1)), 1, atol=1e-6)


def test_swd_ranks_real_vs_real_below_noise_and_says_what_it_measured(make_blobs):
    real, held_out = make_blobs(200, 32, seed=0), make_blobs(200, 32, seed=1)
    noise = np.random.default_rng(0).integers(0, 256, (200, 32, 32, 3), dtype=np.uint8)
    flat = np.full_like(real, 200)
    floor = swd(held_out, real, patches_per_image=16)
    assert 0 < floor.swd < swd(noise, real, patches_per_image=16).swd
    assert floor.swd < swd(flat + np.random.default_rng(3).integers(0, 3, real.shape).astype(np.uint8), real,
                           patches_per_image=16).swd
    label = floor.label()
    assert "SWD" in label and "no network" in label and "200 generated vs 200 real" in label
    assert "32/16 px" in label and "16 patches" in label
