"""``ganime train-classifier`` and ``ganime classify`` end to end on a small labelled project."""
import json
import os
import shutil

import pytest

from ganime_gui.cli import main
from ganime_gui.fakebooru.fixtures import labelled_figure_project


@pytest.fixture
def project_dir(tmp_path):
    return labelled_figure_project(tmp_path, 40, 9, labelled=32)[0].root


def test_train_classifier_then_classify_and_split(project_dir, tmp_path, capsys):
    code = main(["train-classifier", "--project", str(project_dir), "--label-set", "chibi", "--backbone",
                 "tiny_cnn",
                 "--weights", "none", "--epochs", "2", "--size", "48", "--name", "cli-model", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "cli-model.keras" in out and "balanced accuracy" in out and "Recall: chibi" in out
    assert (project_dir / "models" / "cli-model.json").is_file()

    split = tmp_path / "split"
    code = main(["classify", "--project", str(project_dir), "--model", "cli-model", "--unlabelled-only",
                 "--split-to", str(split), "--threshold", "0.5", "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "Stored 8 predictions of cli-model" in out
    placed = sum(len(os.listdir(split / d)) for d in os.listdir(split))
    assert placed == 8 and set(os.listdir(split)) <= {"chibi", "not_chibi"}


def test_user_errors_exit_2_with_a_message(project_dir, capsys):
    assert main(["classify", "--project", str(project_dir), "--model", "missing", "--quiet"]) == 2
    assert "No model named 'missing'" in capsys.readouterr().err
    assert main(["train-classifier", "--project", str(project_dir), "--label-set", "quality",
                 "--backbone", "tiny_cnn", "--weights", "none", "--quiet"]) == 2
    assert "at least two classes" in capsys.readouterr().err
    assert main(["train-classifier", "--project", str(project_dir), "--label-set", "chibi",
                 "--weights", str(project_dir / "nope.h5"), "--quiet"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_classify_with_a_model_of_another_project_copies_it_in_or_refuses_in_words(project_dir, tmp_path,
                                                                                   capsys):
    assert main(["train-classifier", "--project", str(project_dir), "--label-set", "chibi", "--backbone",
                 "tiny_cnn",
                 "--weights", "none", "--epochs", "1", "--size", "48", "--name", "theirs", "--quiet"]) == 0
    other = labelled_figure_project(tmp_path / "other", 12, 4, labelled=0)[0].root
    source = project_dir / "models" / "theirs.keras"
    capsys.readouterr()
    assert main(["classify", "--project", str(other), "--model", str(source), "--quiet"]) == 0
    assert "Stored 12 predictions of theirs" in capsys.readouterr().out
    copied = json.loads((other / "models" / "theirs.json").read_text())
    assert (other / "models" / "theirs.keras").read_bytes() == source.read_bytes()
    assert copied["class_names"] == ["chibi", "not_chibi"]
    assert copied["imported_from"] == str(source.resolve())
    # the same model: reused
    assert main(["classify", "--project", str(other), "--model", str(source), "--quiet"]) == 0

    lonely = tmp_path / "lonely" / "theirs.keras"  # without its sidecar
    lonely.parent.mkdir()
    shutil.copy(source, lonely)
    capsys.readouterr()
    assert main(["classify", "--project", str(other), "--model", str(lonely), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "has no readable theirs.json beside it" in err and "Traceback" not in err
    shutil.copy(source.with_suffix(".json"), lonely.with_suffix(".json"))
    (other / "models" / "theirs.keras").write_bytes(b"another model of the same name")
    assert main(["classify", "--project", str(other), "--model", str(lonely), "--quiet"]) == 2
    assert "already has a different model named 'theirs'" in capsys.readouterr().err
    assert main(["classify", "--project", str(other), "--model", str(tmp_path / "nope.keras"),
                 "--quiet"]) == 2
    assert "There is no model file at" in capsys.readouterr().err
    assert main(["classify", "--project", str(other), "--model", "theirs", "--quiet"]) == 2  # the damaged one
    err = capsys.readouterr().err
    assert "Could not load the model theirs.keras" in err and "Traceback" not in err


def test_train_classifier_one_vs_rest_on_a_reason_label_set(tmp_path, capsys):
    project, rows = labelled_figure_project(tmp_path, 40, 9, labelled=0)
    with project.open_catalog() as catalog:
        assert catalog.label_set("reasons").classes[:2] == ("clean", "chibi")  # shipped with every project
        for label, other in (("chibi", "not_chibi"), ("clean", None)):
            ids = [r["file_id"] for r in rows if (label == "chibi") == bool(int(r["chibi"]))]
            catalog.apply_label_changes("reasons", ids, label)
            if other:
                catalog.apply_label_changes("chibi", ids, label)
                catalog.apply_label_changes("chibi", [r["file_id"] for r in rows if r["file_id"] not in ids],
                                            other)
    code = main(["train-classifier", "--project", str(project.root), "--label-set", "reasons",
                 "--one-vs-rest",
                 "--backbone", "tiny_cnn", "--weights", "none", "--epochs", "2", "--size", "48", "--name",
                 "rs",
                 "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "rs-chibi.keras (chibi against the rest)" in out and "Clean verdict on 8 held-out images" in out
    with project.open_catalog() as catalog:
        assert catalog.model_record("rs-chibi").classes == ("chibi", "not_chibi")
        assert catalog.runs("classifier")[0].summary["reasons"] == ["chibi"]
    assert main(["train-classifier", "--project", str(project.root), "--label-set", "chibi", "--one-vs-rest",
                 "--backbone", "tiny_cnn", "--weights", "none", "--quiet"]) == 2
    assert "has no labelled “clean” images" in capsys.readouterr().err
