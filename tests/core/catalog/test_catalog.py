import sqlite3
import threading

import pytest

from ganime_gui.core.catalog import Catalog, SCHEMA_VERSION
from ganime_gui.core.catalog.db import migrate, schema_version, _statements
from ganime_gui.core.catalog.schema import MIGRATIONS
from ganime_gui.core.jobs import UserError
from ganime_gui.core.project import Project


def test_new_project_has_layout_catalog_and_default_label_sets(tmp_path):
    project = Project.create(tmp_path / "p")
    for sub in ("images", "cache/thumbs", "models", "exports", "runs"):
        assert (project.root / sub).is_dir()
    with project.open_catalog() as cat:
        assert cat.schema_version == SCHEMA_VERSION
        assert cat.db.scalar("PRAGMA journal_mode") == "wal"
        assert cat.label_set("chibi").classes == ("chibi", "not_chibi")
        assert cat.label_set("reject").classes[0] == "more_than_one"


def test_open_rejects_a_folder_that_is_not_a_project(tmp_path):
    with pytest.raises(UserError, match="not a GANime project"):
        Project.open(tmp_path)


def test_create_refuses_an_existing_project(tmp_path):
    Project.create(tmp_path / "p")
    with pytest.raises(UserError, match="already a GANime project"):
        Project.create(tmp_path / "p")


def test_files_dedupe_by_md5_and_labels_round_trip(tmp_path):
    project = Project.create(tmp_path / "p")
    with project.open_catalog() as cat:
        a = cat.add_file("images/a.png", "a" * 32, 10, 100, 200)
        again = cat.add_file("images/other-name.png", "a" * 32, 10)
        b = cat.add_file("images/b.png", "b" * 32, 11)
        assert again == a and cat.count_files() == 2
        cat.set_labels("chibi", [a, b], "chibi")
        cat.set_labels("chibi", [b], "not_chibi")
        assert cat.labels("chibi") == {a: "chibi", b: "not_chibi"}
        assert cat.label_counts("chibi") == {"chibi": 1, "not_chibi": 1}
        cat.set_labels("chibi", [a], None)
        assert cat.label_of("chibi", a) is None
        with pytest.raises(UserError, match="not a class"):
            cat.set_labels("chibi", [a], "banana")
    with project.open_catalog() as cat:  # committed: a new connection sees it
        assert cat.labelled_paths("chibi") == [("images/b.png", "not_chibi")]


def test_label_set_validation(tmp_path):
    with Project.create(tmp_path / "p").open_catalog() as cat:
        with pytest.raises(UserError):
            cat.create_label_set("x", [str(i) for i in range(10)])
        with pytest.raises(UserError):
            cat.create_label_set("chibi", ["a", "b"])
        ls = cat.create_label_set("pose", ["front", "side", "back"])
        assert ls.classes == ("front", "side", "back")
        assert cat.set_label_classes("pose", ["front", "back"]).classes == ("front", "back")


def test_migration_from_v1_keeps_data(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in _statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version=1")
    conn.execute("INSERT INTO files(path, md5, size, added_at) VALUES ('images/x.png', 'x', 5, 0)")
    conn.execute("INSERT INTO label_sets(name, created_at) VALUES ('chibi', 0)")
    conn.execute("INSERT INTO label_classes VALUES (1, 0, 'chibi', '#fff'), (1, 1, 'not_chibi', '#000')")
    conn.execute("INSERT INTO labels VALUES (1, 1, 'chibi', 0)")
    conn.close()

    with Catalog(path) as cat:
        assert cat.db.migrated_from == 1
        assert cat.schema_version == SCHEMA_VERSION
        assert cat.labels("chibi") == {1: "chibi"}
        assert cat.file(1).phash is None  # the v2 column exists
        cat.set_phash(1, "ff00")
        assert cat.file(1).phash == "ff00"
    backup = sqlite3.connect(tmp_path / "old.sqlite.v1.bak")  # the catalog as it was, complete
    assert backup.execute("PRAGMA user_version").fetchone()[0] == 1
    assert backup.execute("SELECT label FROM labels").fetchall() == [("chibi",)]
    backup.close()
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_catalog_from_a_newer_app_is_refused(tmp_path):
    path = tmp_path / "new.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(UserError, match="Update the app"):
        Catalog(path)


def test_failed_migration_rolls_back_to_previous_version(tmp_path, monkeypatch):
    path = tmp_path / "c.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    monkeypatch.setattr("ganime_gui.core.catalog.db.MIGRATIONS",
                        [MIGRATIONS[0], "CREATE TABLE ok_table(x); THIS IS NOT SQL;"])
    with pytest.raises(sqlite3.Error):
        migrate(conn)
    assert schema_version(conn) == 1
    assert conn.execute("SELECT name FROM sqlite_master WHERE name='ok_table'").fetchone() is None


def test_reader_and_writer_threads_do_not_lock_each_other(tmp_path):
    with Project.create(tmp_path / "p").open_catalog() as cat:
        errors = []
        stop = threading.Event()

        def writer():
            try:
                for i in range(300):
                    with cat.db.transaction():
                        fid = cat.add_file(f"images/{i}.png", f"{i:032x}", i)
                        cat.set_labels("chibi", [fid], "chibi")
            except Exception as exc:  # pragma: no cover - the assertion below reports it
                errors.append(exc)
            finally:
                stop.set()

        t = threading.Thread(target=writer)
        t.start()
        reads = 0
        while not stop.is_set():
            cat.count_files()
            cat.label_counts("chibi")
            reads += 1
        t.join()
        assert not errors
        assert cat.count_files() == 300 and reads > 0


def test_transaction_rolls_back_on_error(tmp_path):
    with Project.create(tmp_path / "p").open_catalog() as cat:
        with pytest.raises(RuntimeError):
            with cat.db.transaction():
                cat.add_file("images/a.png", "a" * 32, 1)
                raise RuntimeError("boom")
        assert cat.count_files() == 0


def test_a_damaged_catalog_is_a_clear_message(tmp_path):
    project = Project.create(tmp_path / "p")
    project.catalog_path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(UserError, match="could not be read"):
        project.open_catalog()


def test_open_or_create_makes_a_project_once_then_opens_it(tmp_path):
    made = Project.open_or_create(tmp_path / "new")
    with made.open_catalog() as cat:
        cat.add_file("images/a.png", "a" * 32, 1)
    again = Project.open_or_create(tmp_path / "new")
    with again.open_catalog() as cat:
        assert cat.count_files() == 1
