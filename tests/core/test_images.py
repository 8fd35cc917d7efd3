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
