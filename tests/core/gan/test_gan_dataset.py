"""Preparing the GAN set: padding, resizing, scaling, caching, skipping, exports, batches."""
from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from ganime_gui.core.gan.dataset import (BatchSampler, export_npy, export_png_folder, list_image_files,
                                         load_array, prepare_dataset)
from ganime_gui.core.jobs import UserError


def test_prepare_pads_white_resizes_scales_and_skips_corrupt(image_folder, tmp_path):
    paths = list_image_files(image_folder)
    prepared = prepare_dataset(paths, tmp_path / "cache", resolution=64)
    data = prepared.load()
    assert prepared.count == len(paths) - 1 == data.shape[0]
    assert data.shape[1:] == (64, 64, 3)
    assert data.min() >= -1.0 and data.max() <= 1.0
    assert [os.path.basename(p) for p, _ in prepared.skipped] == ["corrupt.jpg"]
    names = [p.name for p in paths if p.name != "corrupt.jpg"]
    wide = data[names.index("wide.png")].astype(np.float32)
    assert wide[0, 0].tolist() == [1.0, 1.0, 1.0]       # padding above the 60×20 image is white
    assert wide[32, 32].max() < -0.9                     # the image itself is black
    transparent = data[names.index("transparent.png")].astype(np.float32)
    assert np.allclose(transparent, 1.0)                 # transparency becomes white


def test_cache_reused_until_selection_or_resolution_changes(image_folder, tmp_path):
    paths = [p for p in list_image_files(image_folder) if p.name != "corrupt.jpg"]
    first = prepare_dataset(paths, tmp_path / "cache", 64)
    mtime = first.path.stat().st_mtime_ns
    again = prepare_dataset(list(reversed(paths)), tmp_path / "cache", 64)
    assert again.path == first.path and again.path.stat().st_mtime_ns == mtime
    fewer = prepare_dataset(paths[:-1], tmp_path / "cache", 64)
    assert fewer.path != first.path and fewer.count == first.count - 1
    bigger = prepare_dataset(paths, tmp_path / "cache", 128)
    assert bigger.path != first.path and bigger.load().shape[1] == 128


def test_nothing_readable_is_a_user_error(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"nope")
    with pytest.raises(UserError, match="could be read"):
        prepare_dataset([bad], tmp_path / "cache", 64)
    assert list((tmp_path / "cache").iterdir()) == []  # no half-written cache or temporary file left
    with pytest.raises(UserError):
        prepare_dataset([], tmp_path / "cache", 64)


def test_exports_round_trip(prepared_npy, tmp_path):
    data = load_array(prepared_npy)
    npy = export_npy(prepared_npy, tmp_path / "out.npy")
    exported = np.load(npy)
    umask = os.umask(0)
    os.umask(umask)
    assert npy.stat().st_mode & 0o777 == 0o666 & ~umask  # the user's umask, not a temp file's 0600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    assert exported.dtype == np.float32 and np.array_equal(exported, data.astype(np.float32))
    folder = export_png_folder(prepared_npy, tmp_path / "pngs")
    pngs = sorted(folder.glob("*.png"))
    assert len(pngs) == len(data)
    first = np.asarray(Image.open(pngs[0]), np.float32) / 127.5 - 1
    assert np.abs(first - data[0].astype(np.float32)).max() < 0.01


def test_batches_depend_only_on_seed_and_step(prepared_npy):
    data = load_array(prepared_npy)
    a = BatchSampler(data, 8, seed=5)
    b = BatchSampler(data, 8, seed=5)
    assert np.array_equal(a.batch(7), b.batch(7))
    assert not np.array_equal(a.batch(7), a.batch(8))
    assert a.batch(0).dtype == np.float32 and a.batch(0).shape == (8, 32, 32, 3)
    mirrored = BatchSampler(data, 64, seed=5, mirror=True).batch(3)
    plain = BatchSampler(data, 64, seed=5).batch(3)
    flipped = [i for i in range(64) if not np.array_equal(mirrored[i], plain[i])]
    assert flipped and all(np.array_equal(mirrored[i], plain[i, :, ::-1]) for i in flipped)


def test_wrong_array_shape_is_explained(tmp_path):
    path = tmp_path / "flat.npy"
    np.save(path, np.zeros((4, 32, 32), np.float32))
    with pytest.raises(UserError, match="square RGB"):
        load_array(path)
