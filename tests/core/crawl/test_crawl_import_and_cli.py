"""Importing an existing image folder, and the headless crawl command's flags and endings."""
from __future__ import annotations

import hashlib
import io

import pytest
from crawl_helpers import crawl, image_files
from PIL import Image

from ganime_gui.cli import main
from ganime_gui.core.importer import import_folder
from ganime_gui.core.jobs import UserError


def _png(color) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (30, 60), color).save(buf, "PNG")
    return buf.getvalue()


def test_import_seed_crawler_folder(project, tmp_path, fakebooru):
    seed = tmp_path / "download"
    seed.mkdir()
    (seed / ("a" * 40 + ".png")).write_bytes(_png("red"))    # the seed crawler's 40-hex names
    (seed / "sub").mkdir()
    (seed / "sub" / "b.jpg").write_bytes(_png("blue"))        # a PNG with the wrong extension
    (seed / "copy.png").write_bytes(_png("red"))               # the same bytes again
    (seed / "notes.png").write_bytes(b"not an image")
    with project.open_catalog() as cat:
        result = import_folder(project, cat, seed)
        assert (result.added, result.already_had, len(result.skipped)) == (2, 1, 1)
        names = {p.name for p in image_files(project)}
        red = hashlib.md5(_png("red")).hexdigest()
        assert names == {f"{red}.png", f"{hashlib.md5(_png('blue')).hexdigest()}.png"}
        assert cat.file_by_md5(red).width == 30
        again = import_folder(project, cat, seed)
        assert again.added == 0 and again.already_had == 3


def test_import_then_crawl_does_not_download_again(project, tmp_path, fakebooru):
    booru = fakebooru("safebooru", posts=20, seed=9)
    folder = tmp_path / "old"
    folder.mkdir()
    for post in booru.dataset.posts[:8]:
        (folder / f"{booru.dataset.stem(post)}.{post.ext}").write_bytes(booru.dataset.file_bytes(post))
    with project.open_catalog() as cat:
        assert import_folder(project, cat, folder).added == 8
    out = crawl(project, booru)
    assert out.stats.had == 8 and out.stats.downloaded == 12


def test_import_refuses_a_missing_folder(project, tmp_path):
    with project.open_catalog() as cat, pytest.raises(UserError, match="not a folder"):
        import_folder(project, cat, tmp_path / "nope")


def test_cli_crawl_and_import(fakebooru, tmp_path, capsys):
    booru = fakebooru("safebooru", posts=40, seed=2)
    project_dir = tmp_path / "p"
    code = main(["crawl", "--project", str(project_dir), "--base-url", booru.base_url,
                 "--tags", "solo -chibi", "--delay", "0", "--limit", "5", "--min-size", "50",
                 "--sample", "--quiet"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert code == 0 and last.startswith("Crawl 1: Done: reached the limit of 5 posts")
    assert len(image_files(type("P", (), {"images_dir": project_dir / "images"}))) == 5
    code = main(["crawl", "--project", str(project_dir), "--list"])
    assert code == 0 and "solo" in capsys.readouterr().out


def test_cli_blocked_exit_code(fakebooru, tmp_path, capsys):
    booru = fakebooru("gelbooru", posts=10)
    code = main(["crawl", "--project", str(tmp_path / "p"), "--site", "gelbooru",
                 "--base-url", booru.base_url, "--delay", "0", "--quiet"])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert code == 3 and "Blocked" in last and "API key" in last


def test_import_skips_and_lists_what_it_cannot_use(project, tmp_path):
    from ganime_gui.fakebooru.hostile import bomb_png

    folder, elsewhere = tmp_path / "in", tmp_path / "elsewhere"
    folder.mkdir()
    elsewhere.mkdir()
    buf = io.BytesIO()
    Image.effect_noise((80, 60), 50).convert("RGB").save(buf, "JPEG")
    jpeg = buf.getvalue()
    (folder / "a_bomb.png").write_bytes(bomb_png("import"))
    (folder / "b_cut.jpg").write_bytes(jpeg[: len(jpeg) // 2])
    (folder / "c_text.jpg").write_bytes(b"hello")
    (elsewhere / "secret.png").write_bytes(_png("green"))
    (folder / "d_link.png").symlink_to(elsewhere / "secret.png")
    (folder / "e_good.png").write_bytes(_png("red"))
    (folder / "f_good.jpg").write_bytes(jpeg)
    with project.open_catalog() as cat:
        result = import_folder(project, cat, folder)
    assert result.added == 2
    skipped = dict(line.split(": ", 1) for line in result.skipped)
    assert set(skipped) == {"a_bomb.png", "b_cut.jpg", "c_text.jpg", "d_link.png"}
    assert "decompression bomb" in skipped["a_bomb.png"]
    assert "does not decode" in skipped["b_cut.jpg"]
    assert "outside the folder" in skipped["d_link.png"]
    assert "4 files skipped: a_bomb.png" in result.describe()
