import numpy as np
import pytest
from PIL import Image

from ganime_gui.core.classify.data import (balanced_class_weights, folder_items, load_image_array,
                                           load_image_batch, split_items)
from ganime_gui.core.jobs import UserError


def _write(path, size, colour=(200, 10, 10), fmt=None):
    Image.new("RGB", size, colour).save(path, fmt)
    return str(path)


def test_tall_image_is_centred_between_black_bars(tmp_path):
    p = _write(tmp_path / "tall.png", (50, 100))
    arr = load_image_array(p, 40)
    assert arr.shape == (40, 40, 3) and arr.dtype == np.uint8
    assert (arr[:, :8] == 0).all() and (arr[:, -8:] == 0).all()  # black padding left and right
    assert (arr[:, 12:28] == (200, 10, 10)).all()  # the picture in the middle, full height


def test_wide_image_is_padded_top_and_bottom(tmp_path):
    p = _write(tmp_path / "wide.jpg", (120, 60))
    arr = load_image_array(p, 30)
    assert (arr[:5] < 8).all() and (arr[-5:] < 8).all()
    assert abs(int(arr[15, 15, 0]) - 200) < 12


def test_transparency_becomes_white(tmp_path):
    p = tmp_path / "alpha.png"
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(p)
    assert (load_image_array(p, 20) == 255).all()


def test_corrupt_and_missing_images_give_none(tmp_path, monkeypatch):
    from PIL import ImageFile

    # Pillow's default; the thumbnail module turns it on for the whole process (partial thumbnails)
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", False)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not a jpeg")
    good = _write(tmp_path / "good.png", (10, 10))
    truncated = tmp_path / "trunc.jpg"
    _write(truncated, (200, 200), fmt="JPEG")
    truncated.write_bytes(truncated.read_bytes()[:300])
    assert load_image_array(bad, 16) is None
    assert load_image_array(tmp_path / "missing.png", 16) is None
    assert load_image_array(truncated, 16) is None
    pixels, ok = load_image_batch([str(bad), good, str(truncated)], 16)
    assert ok.tolist() == [False, True, False] and pixels.shape == (3, 16, 16, 3)


def _items(tmp_path, counts):
    items = []
    for label, n in counts.items():
        for i in range(n):
            items.append((_write(tmp_path / f"{label}{i}.png", (8, 8)), label))
    return items


def test_split_is_stratified_seeded_and_weighted(tmp_path):
    items = _items(tmp_path, {"chibi": 10, "not_chibi": 40})
    a = split_items(items, val_fraction=0.2, seed=3)
    b = split_items(list(reversed(items)), val_fraction=0.2, seed=3)
    c = split_items(items, val_fraction=0.2, seed=4)
    assert a.class_names == ["chibi", "not_chibi"]
    assert np.bincount(a.val_labels).tolist() == [2, 8]  # 20% of each class
    assert np.bincount(a.train_labels).tolist() == [8, 32]
    assert set(a.val_paths) == set(b.val_paths)  # input order does not matter, the seed does
    assert set(a.val_paths) != set(c.val_paths)
    assert not set(a.val_paths) & set(a.train_paths)
    # balanced: the rare class weighs 4x the common one, and the mean weight per image is 1
    assert a.class_weights[0] == pytest.approx(4 * a.class_weights[1])
    w = np.array([a.class_weights[c] for c in a.train_labels])
    assert w.mean() == pytest.approx(1.0)


def test_class_too_small_or_missing_is_a_user_error(tmp_path):
    items = _items(tmp_path, {"chibi": 2, "not_chibi": 10})
    with pytest.raises(UserError, match="'chibi' has 2 images"):
        split_items(items)
    with pytest.raises(UserError, match="'other' has 0 images"):
        split_items(items[2:], class_names=["not_chibi", "other"])
    with pytest.raises(UserError, match="at least two classes"):
        split_items(items[2:])


def test_missing_files_are_skipped_and_listed(tmp_path):
    items = _items(tmp_path, {"a": 5, "b": 5}) + [(str(tmp_path / "gone.png"), "a")]
    s = split_items(items)
    assert s.skipped == [(str(tmp_path / "gone.png"), "file not found")]
    assert len(s.train_paths) + len(s.val_paths) == 10


def test_folder_per_class_layout(tmp_path):
    for label in ("chibi", "not_chibi"):
        (tmp_path / label).mkdir()
        _write(tmp_path / label / "x.png", (4, 4))
    (tmp_path / "chibi" / "notes.txt").write_text("not an image")
    items = folder_items(tmp_path)
    assert sorted(label for _, label in items) == ["chibi", "not_chibi"]
    with pytest.raises(UserError):
        folder_items(tmp_path / "nope")


def test_balanced_weights_for_an_empty_class():
    assert balanced_class_weights(np.array([0, 0, 0]), 2) == {0: 0.5, 1: 0.0}
