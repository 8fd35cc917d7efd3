"""Export to <out>/<label>/<file> and import back."""
import os
import shutil

from ganime_gui.core.jobs import never_cancelled, no_progress
from ganime_gui.core.sorting import export_to_folders, import_from_folders


def run(job):
    return job(no_progress, never_cancelled)


def test_export_then_import_round_trip(sorted_project, tmp_path):
    project, catalog, rows = sorted_project
    ids = [r["file_id"] for r in rows]
    catalog.apply_label_changes("chibi", ids[:10], "chibi")
    catalog.apply_label_changes("chibi", ids[10:25], "not_chibi")
    before = catalog.labels("chibi")
    out = tmp_path / "export"
    report = run(export_to_folders(project, catalog, "chibi", out))
    assert report.linked + report.copied == 25 and not report.missing
    assert sorted(p.name for p in out.iterdir()) == ["chibi", "not_chibi"]
    assert len(list((out / "chibi").iterdir())) == 10
    one = next((out / "chibi").iterdir())
    assert os.path.samefile(one, project.images_dir / one.name)  # a hard link, no copy
    assert run(export_to_folders(project, catalog, "chibi", out)).already_there == 25

    # A person fixes a mistake in a file manager, renames a file and adds a stranger.
    moved = next((out / "not_chibi").iterdir())
    shutil.move(moved, out / "chibi" / f"renamed{moved.suffix}")
    (out / "not_chibi" / "stranger.png").write_bytes(b"not in the catalog")
    (out / "misc").mkdir()
    catalog.apply_label_changes("chibi", ids, None)
    report = run(import_from_folders(catalog, "chibi", out))
    expected = dict(before)
    expected[catalog.file_by_md5(moved.stem).id] = "chibi"
    assert catalog.labels("chibi") == expected
    assert report.labelled == 25 and report.unknown_files == ["not_chibi/stranger.png"]
    assert report.unknown_folders == ["misc"]
    catalog.undo_label_step()  # the import is one step
    assert catalog.labels("chibi") == {}
    assert all(project.abspath(catalog.file(i).path).is_file() for i in ids)


def test_a_copied_export_stopped_midway_leaves_no_half_image(sorted_project, tmp_path, monkeypatch):
    from ganime_gui.core.fsutil import file_mode

    project, catalog, rows = sorted_project
    catalog.apply_label_changes("chibi", [rows[0]["file_id"]], "chibi")

    def no_links(a, b):
        raise OSError("another device")

    def copy_then_die(a, b):
        with open(b, "wb") as f:
            f.write(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(shutil, "copy2", copy_then_die)
    out = tmp_path / "export"
    try:
        run(export_to_folders(project, catalog, "chibi", out))
    except KeyboardInterrupt:
        pass
    assert list((out / "chibi").iterdir()) == []
    monkeypatch.undo()
    monkeypatch.setattr(os, "link", no_links)
    report = run(export_to_folders(project, catalog, "chibi", out))
    assert report.copied == 1 and report.already_there == 0
    (copy,) = (out / "chibi").iterdir()
    assert copy.read_bytes() == project.abspath(catalog.file(rows[0]["file_id"]).path).read_bytes()
    assert copy.stat().st_mode & 0o777 == file_mode()
