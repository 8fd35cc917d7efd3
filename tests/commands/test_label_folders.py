from PIL import Image

from ganime_gui.cli import main
from ganime_gui.core.images import file_md5
from ganime_gui.core.project import Project


def make_project(tmp_path, n=6):
    project = Project.create(tmp_path / "p")
    with project.open_catalog() as catalog:
        ids = []
        for i in range(n):
            path = project.images_dir / f"{i}.png"
            Image.new("RGB", (8, 8), (i * 30, 0, 0)).save(path)
            ids.append(catalog.add_file(f"images/{i}.png", file_md5(path), path.stat().st_size, 8, 8))
        catalog.set_labels("chibi", ids[:2], "chibi")
        catalog.set_labels("chibi", ids[2:4], "not_chibi")
    return project, ids


def test_export_then_import_labels_round_trip(tmp_path, capsys):
    project, ids = make_project(tmp_path)
    out = tmp_path / "out"
    assert main(["export-labels", "--project", str(project.root), "--label-set", "chibi", str(out),
                 "--quiet"]) == 0
    assert sorted(p.name for p in (out / "chibi").iterdir()) == ["0.png", "1.png"]
    assert sorted(p.name for p in (out / "not_chibi").iterdir()) == ["2.png", "3.png"]
    assert "Exported" in capsys.readouterr().out

    # The other way round: a folder moved between classes by hand changes the label.
    (out / "chibi" / "1.png").rename(out / "not_chibi" / "1-renamed.png")
    assert main(["import-labels", "--project", str(project.root), "--label-set", "chibi", str(out),
                 "--quiet"]) == 0
    with project.open_catalog() as catalog:
        labels = catalog.labels("chibi")
    assert labels[ids[0]] == "chibi" and labels[ids[1]] == "not_chibi"
    assert "Labelled 1 images" in capsys.readouterr().out


def test_unknown_label_set_is_a_clear_error(tmp_path, capsys):
    project, _ = make_project(tmp_path, n=1)
    assert main(["import-labels", "--project", str(project.root), "--label-set", "nope",
                 str(tmp_path)]) == 2
    assert "no label set named" in capsys.readouterr().err
