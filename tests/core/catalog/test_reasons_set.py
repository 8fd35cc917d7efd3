"""The one-pass "reasons" label set: shipped with new projects, added once to older ones (schema v4)."""
import sqlite3

from ganime_gui.core.catalog import DEFAULT_LABEL_SETS, Catalog
from ganime_gui.core.catalog.db import _statements
from ganime_gui.core.catalog.labels import PALETTE
from ganime_gui.core.catalog.schema import MIGRATIONS
from ganime_gui.core.project import Project

REASONS = DEFAULT_LABEL_SETS["reasons"]


def _v3_catalog(path, sets):
    conn = sqlite3.connect(path, isolation_level=None)
    for script in MIGRATIONS[:3]:
        for statement in _statements(script):
            conn.execute(statement)
    conn.execute("PRAGMA user_version=3")
    for set_id, (name, classes) in enumerate(sets.items(), start=1):
        conn.execute("INSERT INTO label_sets(id, name, created_at) VALUES (?, ?, 0)", (set_id, name))
        conn.executemany("INSERT INTO label_classes VALUES (?, ?, ?, '#fff')",
                         [(set_id, i, c) for i, c in enumerate(classes)])
    conn.execute("INSERT INTO files(path, md5, size, added_at) VALUES ('images/x.png', 'x', 5, 0)")
    conn.execute("INSERT INTO labels VALUES (1, 1, 'chibi', 0)")
    conn.close()


def test_a_new_project_has_the_reasons_set_last_with_clean_on_key_1(tmp_path):
    with Project.create(tmp_path / "p").open_catalog() as catalog:
        names = [ls.name for ls in catalog.label_sets()]
        assert names == list(DEFAULT_LABEL_SETS) and names[-1] == "reasons"
        ls = catalog.label_set("reasons")
        assert ls.classes[0] == "clean" and "chibi" in ls.classes and len(ls.classes) <= 9


def test_an_older_project_gets_the_reasons_set_once_with_its_labels_kept(tmp_path):
    path = tmp_path / "old.sqlite"
    old_sets = {k: v for k, v in DEFAULT_LABEL_SETS.items() if k != "reasons"}
    _v3_catalog(path, old_sets)
    with Catalog(path) as cat:
        assert cat.db.migrated_from == 3
        assert [ls.name for ls in cat.label_sets()] == list(DEFAULT_LABEL_SETS)
        ls = cat.label_set("reasons")
        assert list(ls.classes) == REASONS and list(ls.colors) == PALETTE[:len(REASONS)]
        assert cat.labels("chibi") == {1: "chibi"} and cat.label_counts("reasons") == {c: 0 for c in REASONS}
        cat.ensure_default_label_sets()  # as a project's first open does: nothing twice
        assert len(cat.label_sets()) == len(DEFAULT_LABEL_SETS)


def test_a_users_own_reasons_set_is_left_as_it_is(tmp_path):
    path = tmp_path / "own.sqlite"
    _v3_catalog(path, {"chibi": ["chibi", "not_chibi"], "reasons": ["ok", "bad_hands"]})
    with Catalog(path) as cat:
        assert cat.label_set("reasons").classes == ("ok", "bad_hands")
        assert len(cat.label_sets()) == 2
