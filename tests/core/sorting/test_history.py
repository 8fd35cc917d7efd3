"""The label history: every step undoable and redoable, also after the catalog is reopened."""
from ganime_gui.core.catalog import Catalog


def test_undo_and_redo_many_steps_survive_reopening(sorted_project):
    project, catalog, rows = sorted_project
    a, b, c = (r["file_id"] for r in rows[:3])
    catalog.apply_label_changes("chibi", [a], "chibi")
    catalog.apply_label_changes("chibi", [b, c], "not_chibi")
    catalog.apply_label_changes("chibi", [a], "not_chibi")
    catalog.close()

    reopened = Catalog(project.catalog_path)
    assert reopened.history_depth() == (3, 0)
    step = reopened.undo_label_step()
    assert [(ch.file_id, ch.old, ch.new) for ch in step.changes] == [(a, "chibi", "not_chibi")]
    assert reopened.label_of("chibi", a) == "chibi"
    reopened.undo_label_step()
    reopened.undo_label_step()
    assert reopened.labels("chibi") == {}
    assert reopened.undo_label_step() is None
    reopened.close()

    again = Catalog(project.catalog_path)
    assert again.history_depth() == (0, 3)
    again.redo_label_step()
    again.redo_label_step()
    assert again.labels("chibi") == {a: "chibi", b: "not_chibi", c: "not_chibi"}
    again.close()


def test_a_new_step_drops_the_redo_tail(sorted_project):
    _, catalog, rows = sorted_project
    a, b = rows[0]["file_id"], rows[1]["file_id"]
    catalog.apply_label_changes("chibi", [a], "chibi")
    catalog.undo_label_step()
    catalog.apply_label_changes("chibi", [b], "chibi")
    assert catalog.redo_label_step() is None
    assert catalog.labels("chibi") == {b: "chibi"}


def test_unchanged_labels_make_no_step_and_clearing_is_undoable(sorted_project):
    _, catalog, rows = sorted_project
    a = rows[0]["file_id"]
    catalog.apply_label_changes("chibi", [a], "chibi")
    assert catalog.apply_label_changes("chibi", [a], "chibi") is None
    catalog.apply_label_changes("chibi", [a], None)
    assert catalog.label_of("chibi", a) is None
    catalog.undo_label_step()
    assert catalog.label_of("chibi", a) == "chibi"
    assert catalog.history_depth() == (1, 1)
