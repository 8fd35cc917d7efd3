from PIL import Image

from ganime_gui.core.thumbs import bucket_for, ensure_thumbnail, open_scaled, thumb_path


def test_thumbnails_of_every_format_are_cached_by_content(sorted_project, tmp_path):
    project, catalog, rows = sorted_project
    for r in rows[:6]:
        rec = catalog.file(r["file_id"])
        path = ensure_thumbnail(project.thumbs_dir, project.abspath(rec.path), rec.md5, 128)
        assert path == thumb_path(project.thumbs_dir, rec.md5, 128)
        with Image.open(path) as img:
            assert max(img.size) == 128 or max(img.size) == max(r["width"], r["height"])
            assert img.mode == "RGB"
    # A cached thumbnail is used even when the source is gone (keyed by content).
    rec = catalog.file(rows[0]["file_id"])
    project.abspath(rec.path).unlink()
    assert ensure_thumbnail(project.thumbs_dir, project.abspath(rec.path), rec.md5, 128).is_file()


def test_transparent_images_are_flattened_and_scaled(tmp_path):
    src = tmp_path / "a.png"
    Image.new("RGBA", (1000, 500), (255, 0, 0, 0)).save(src)
    img = open_scaled(src, 256)
    assert img.size == (256, 128) and img.mode == "RGB"
    assert img.getpixel((5, 5)) != (255, 0, 0)
    assert bucket_for(100) == 128 and bucket_for(200) == 256 and bucket_for(2000) == 512
