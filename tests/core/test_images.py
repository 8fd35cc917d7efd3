import hashlib

import numpy as np
from PIL import Image

from ganime_gui.core.images import (BLACK, WHITE, file_md5, flatten_to_rgb, is_image_file,
                                    pad_to_square)


def test_file_md5_matches_hashlib(tmp_path):
    data = bytes(range(256)) * 9000  # several 1 MiB chunks' worth is not needed; > 1 chunk boundary
    path = tmp_path / "x.bin"
    path.write_bytes(data)
    assert file_md5(path) == hashlib.md5(data).hexdigest()


def test_transparent_pixels_take_the_background_colour():
    rgba = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    rgba.putpixel((0, 0), (0, 0, 255, 255))
    out = flatten_to_rgb(rgba, (10, 20, 30))
    assert out.mode == "RGB"
    assert out.getpixel((1, 1)) == (10, 20, 30) and out.getpixel((0, 0)) == (0, 0, 255)
    palette = Image.new("P", (2, 2), 0)
    palette.info["transparency"] = 0
    assert flatten_to_rgb(palette).getpixel((0, 0)) == WHITE


def test_pad_to_square_centres_the_picture():
    tall = Image.new("RGB", (2, 6), (200, 100, 50))
    square = pad_to_square(tall, BLACK)
    assert square.size == (6, 6)
    pixels = np.asarray(square)
    assert (pixels[:, :2] == 0).all() and (pixels[:, 4:] == 0).all()
    assert (pixels[:, 2:4] == (200, 100, 50)).all()
    same = Image.new("RGB", (3, 3))
    assert pad_to_square(same, WHITE) is same


def test_image_files_are_known_by_suffix(tmp_path):
    for name in ("a.PNG", "b.jpg", "c.txt", ".hidden.png"):
        (tmp_path / name).write_bytes(b"x")
    assert sorted(p.name for p in tmp_path.iterdir() if is_image_file(p)) == ["a.PNG", "b.jpg"]


# -- the safe open: pixel cap and truncation ---------------------------------------------------
import io  # noqa: E402

import pytest  # noqa: E402

from ganime_gui.core.images import ImageRejected, ImageTooLarge, check_image, open_image  # noqa: E402
from ganime_gui.fakebooru.hostile import bomb_png  # noqa: E402


def _jpeg(size=(64, 48)) -> bytes:
    buf = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buf, "JPEG")
    return buf.getvalue()


def test_a_decompression_bomb_is_refused_before_decoding(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bomb_png("x"))          # 144 MP in about 20 KB
    assert bomb.stat().st_size < 200_000
    with pytest.raises(ImageTooLarge, match="decompression bomb"):
        open_image(bomb)
    with pytest.raises(OSError):              # callers that skip unreadable files skip it too
        check_image(bomb)
    huge = tmp_path / "huge.png"
    huge.write_bytes(bomb_png("y", side=15_000))   # 225 MP: past Pillow's own hard limit
    with pytest.raises(ImageTooLarge):
        open_image(huge)


def test_a_truncated_jpeg_is_found_by_decoding(tmp_path):
    good, cut = tmp_path / "good.jpg", tmp_path / "cut.jpg"
    data = _jpeg()
    good.write_bytes(data)
    cut.write_bytes(data[: len(data) * 2 // 3])
    assert check_image(good) == (64, 48)
    assert check_image(cut, decode=False) == (64, 48)   # the header alone looks fine
    with pytest.raises(ImageRejected, match="does not decode"):
        check_image(cut)
    notes = tmp_path / "notes.png"
    notes.write_bytes(b"not an image")
    with pytest.raises(ImageRejected):
        open_image(notes)


def test_the_classifier_loader_skips_a_bomb_instead_of_decoding_it(tmp_path):
    from ganime_gui.core.classify.data import load_image_array
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(bomb_png("classifier"))
    assert load_image_array(bomb, 64) is None
