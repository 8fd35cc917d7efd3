"""The synthetic figure generator: deterministic, tags agree with ground truth, files are right."""
import hashlib
import random

import numpy as np
import pytest
from PIL import Image

from ganime_gui.fakebooru.figures import (FigureSpec, draw_figure, figure_size, random_spec,
                                          read_ground_truth, write_image_folder)


def test_same_seed_gives_same_spec_and_same_pixels():
    a, b = random_spec(random.Random(5)), random_spec(random.Random(5))
    assert a == b
    assert draw_figure(a, 100, 160, seed=9).tobytes() == draw_figure(b, 100, 160, seed=9).tobytes()
    assert draw_figure(a, 100, 160, seed=9).tobytes() != draw_figure(a, 100, 160, seed=10).tobytes()


def test_random_spec_accepts_int_and_numpy_generator():
    assert random_spec(3) == random_spec(3)
    assert isinstance(random_spec(np.random.default_rng(1)), FigureSpec)


@pytest.mark.parametrize("seed", range(40))
def test_tags_agree_with_ground_truth(seed):
    spec = random_spec(random.Random(seed), two_characters=0.3, busy=0.3, upper_body=0.3)
    tags = set(spec.tags())
    assert ("chibi" in tags) == spec.chibi
    assert ({"1girl", "solo"} <= tags) == (spec.n_characters == 1)
    assert ({"2girls", "multiple_girls"} <= tags) == (spec.n_characters == 2)
    assert ({"full_body", "standing"} <= tags) == (spec.crop == "full")
    assert ("upper_body" in tags) == (spec.crop == "upper")
    assert ("white_background" in tags) == (spec.background == "white")
    assert ("simple_background" in tags) == (spec.background in ("white", "simple"))
    assert f"{spec.hair_color}_hair" in tags
    ratio = 1 / spec.head_ratio
    assert (2 <= ratio <= 3) if spec.chibi else (6 <= ratio <= 8)


def test_tag_noise_is_seeded_and_small():
    spec = random_spec(random.Random(1))
    clean = set(spec.tags())
    noisy = [set(spec.tags(noise=0.05, seed=s)) for s in range(50)]
    assert spec.tags(noise=0.05, seed=3) == spec.tags(noise=0.05, seed=3)
    assert any(n != clean for n in noisy)
    assert sum(len(clean ^ n) for n in noisy) / len(noisy) < 3


def test_chibi_figures_have_big_heads_in_pixels():
    # The head ellipse is the widest thing at the top: measure the width of the drawing at
    # 15% of the figure's height relative to the figure's height.
    def top_width_ratio(spec):
        img = draw_figure(spec, 200, 300, seed=1)
        mask = np.asarray(img.convert("L")) < 250
        rows = np.where(mask.any(axis=1))[0]
        top, bottom = rows[0], rows[-1]
        row = mask[top + int((bottom - top) * 0.15)]
        cols = np.where(row)[0]
        return (cols[-1] - cols[0]) / (bottom - top)
    chibi = FigureSpec(chibi=True, head_ratio=1 / 2.5, hair_style="short")
    normal = FigureSpec(chibi=False, head_ratio=1 / 7, hair_style="short")
    assert top_width_ratio(chibi) > 2 * top_width_ratio(normal)


def test_figure_stays_inside_the_picture():
    for seed in range(30):
        spec = random_spec(random.Random(seed), upper_body=0.0)
        w, h = figure_size(spec, 200, seed)
        mask = np.asarray(draw_figure(spec, w, h, seed).convert("L")) < 250
        if spec.background == "white":
            assert not mask[0].any() and not mask[:, 0].any() and not mask[:, -1].any(), seed


def test_write_image_folder_writes_files_matching_the_csv(tmp_path):
    csv_path = write_image_folder(tmp_path / "set", 24, seed=4, min_height=96, max_height=160,
                                  near_duplicates=3, two_characters=0.2)
    rows = read_ground_truth(csv_path)
    assert len(rows) == 24
    assert {r["format"] for r in rows} == {"png", "jpg", "gif"}
    assert sum(1 for r in rows if r["near_duplicate_of"]) == 3
    names = {r["file"] for r in rows}
    for r in rows:
        data = (csv_path.parent / r["file"]).read_bytes()
        assert hashlib.md5(data).hexdigest() == r["md5"]
        with Image.open(csv_path.parent / r["file"]) as img:
            assert img.size == (r["width"], r["height"])
            assert 96 <= img.height <= 160
        assert ("chibi" in r["tags"].split()) == r["chibi"]
        if r["near_duplicate_of"]:
            assert r["near_duplicate_of"] in names
    again = read_ground_truth(write_image_folder(tmp_path / "again", 24, seed=4, min_height=96,
                                                 max_height=160, near_duplicates=3,
                                                 two_characters=0.2))
    assert [r["md5"] for r in again] == [r["md5"] for r in rows]


def test_upper_body_crops_show_a_figure_filling_the_picture():
    for seed in range(20):
        spec = random_spec(random.Random(seed), upper_body=1.0, two_characters=0.3)
        w, h = figure_size(spec, 360, seed)
        mask = np.asarray(draw_figure(spec, w, h, seed).convert("L")) < 250
        rows = np.where(mask.any(axis=1))[0]
        if spec.background == "white":
            assert rows.size and rows[0] < h * 0.1 and rows[-1] == h - 1, seed


@pytest.mark.parametrize("height", [64, 90, 400])
def test_standing_figures_fill_most_of_the_height_at_every_size(height):
    tall = []
    for seed in range(30):
        spec = random_spec(random.Random(seed), upper_body=0.0, two_characters=0.0, busy=0.0)
        w, h = figure_size(spec, height, seed)
        mask = np.asarray(draw_figure(spec, w, h, seed).convert("L")) < 250
        if spec.background == "white":
            rows = np.where(mask.any(axis=1))[0]
            tall.append((rows[-1] - rows[0] + 1) / h)
    assert min(tall) > 0.45 and np.median(tall) > 0.7, tall
