"""The Sort tab, driven by keys as a person would, offscreen."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QKeySequence, QWheelEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QInputDialog
from PySide6.QtTest import QTest

from ganime_gui.core.catalog import Catalog
from ganime_gui.core.project import Project
from ganime_gui.core.sorting import DUPLICATE_SET
from ganime_gui.fakebooru.fixtures import attach_post, attach_predictions, catalog_generated
from ganime_gui.fakebooru.figures import write_image_folder
from ganime_gui.ui.sort import dialogs, duplicate_groups
from ganime_gui.ui.sort_tab import SortTab
from ganime_gui.ui.widgets.thumb_grid import ThumbKey, ThumbModel

from ui_helpers import close_tab, open_tab

COUNT = 40


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("sortgen")
    csv_path = write_image_folder(out, COUNT, seed=11, min_height=260, max_height=360,
                                  near_duplicates=4)
    return out, csv_path


@pytest.fixture
def project(tmp_path, generated):
    project = Project.create(tmp_path / "proj")
    with project.open_catalog() as catalog:
        rows = catalog_generated(project, catalog, *generated)
        for i, row in enumerate(rows):
            attach_post(catalog, row["file_id"], 500 + i, row["tags"].split())
    return project


def open_sort_tab(qtbot, project) -> SortTab:
    tab = open_tab(qtbot, SortTab, project, size=(1000, 640))
    tab.activateWindow()   # shortcuts follow the focus, as on a desktop
    tab.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tab.view)
    return tab


@pytest.fixture
def tab(qtbot, project):
    tab = open_sort_tab(qtbot, project)
    yield tab
    close_tab(tab)


def key(tab, k, mods=Qt.KeyboardModifier.NoModifier):
    QTest.keyClick(tab.view, k, mods)


def ids(tab, rows):
    return [tab.model.rows[r].id for r in rows]


def test_digits_label_the_current_image_and_advance(tab):
    catalog = tab.context.catalog
    first, second, third, fourth = ids(tab, range(4))
    key(tab, Qt.Key.Key_1)
    assert catalog.label_of("chibi", first) == "chibi"  # committed before the grid moved on
    assert tab.current_row() == 1
    key(tab, Qt.Key.Key_2)
    key(tab, Qt.Key.Key_L)        # vim right: skip one
    key(tab, Qt.Key.Key_1)
    assert catalog.labels("chibi") == {first: "chibi", second: "not_chibi", fourth: "chibi"}
    assert tab.current_row() == 4
    key(tab, Qt.Key.Key_H)
    key(tab, Qt.Key.Key_Backspace)  # clear, and stay
    assert catalog.label_of("chibi", fourth) is None and tab.current_row() == 3
    assert tab.model.labels[:4] == ["chibi", "not_chibi", None, None]
    assert tab.counts == {"chibi": 1, "not_chibi": 1}
    assert "labelled <b>2</b> / 40" in tab.progress_label.text()
    key(tab, Qt.Key.Key_0)
    assert catalog.label_of("chibi", third) is None
    key(tab, Qt.Key.Key_9)            # no 9th class: nothing happens
    assert len(catalog.labels("chibi")) == 2 and tab.current_row() == 3


def test_n_jumps_to_the_next_unlabelled_image(tab):
    catalog = tab.context.catalog
    catalog.apply_label_changes("chibi", ids(tab, [1, 2, 3]), "chibi")
    tab.reload()
    key(tab, Qt.Key.Key_N)
    assert tab.current_row() == 4


def test_shift_and_ctrl_selection_label_in_one_batch(tab):
    catalog = tab.context.catalog
    key(tab, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    key(tab, Qt.Key.Key_L, Qt.KeyboardModifier.ShiftModifier)
    assert tab.target_rows() == [0, 1, 2]
    rect = tab.view.visualRect(tab.model.index(5))
    QTest.mouseClick(tab.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.ControlModifier, rect.center())
    assert tab.target_rows() == [0, 1, 2, 5]
    key(tab, Qt.Key.Key_2)
    assert catalog.labels("chibi") == dict.fromkeys(ids(tab, [0, 1, 2, 5]), "not_chibi")
    assert tab.current_row() == 6 and tab.target_rows() == [6]
    key(tab, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the batch is one step
    assert catalog.labels("chibi") == {}


def test_page_mode_labels_the_unmarked_with_the_page_label(tab):
    catalog = tab.context.catalog
    key(tab, Qt.Key.Key_P)
    assert tab.page_mode
    page = list(tab.page_rows())
    assert page[0] == 0 and len(page) == tab.view.page_size() >= 6
    key(tab, Qt.Key.Key_2, Qt.KeyboardModifier.ShiftModifier)   # the page is mostly not_chibi
    assert tab.paging.fill_label() == "not_chibi"
    key(tab, Qt.Key.Key_Right)
    key(tab, Qt.Key.Key_X)                                        # an exception: chibi
    key(tab, Qt.Key.Key_Right)
    key(tab, Qt.Key.Key_Right)
    key(tab, Qt.Key.Key_X)
    key(tab, Qt.Key.Key_X)                                        # changed my mind
    key(tab, Qt.Key.Key_Right)
    key(tab, Qt.Key.Key_X)
    assert tab.model.marked == set(ids(tab, [1, 4]))
    key(tab, Qt.Key.Key_Return)
    expected = {i: "not_chibi" for i in ids(tab, page)}
    expected.update(dict.fromkeys(ids(tab, [1, 4]), "chibi"))
    assert catalog.labels("chibi") == expected
    assert tab.current_row() == page[-1] + 1 == tab.page_rows()[0]   # the next page, at the top
    assert not tab.model.marked
    # A digit on the next page labels that image; the fill leaves it as it is.
    key(tab, Qt.Key.Key_1)
    key(tab, Qt.Key.Key_Return)
    second = range(page[-1] + 1, min(2 * len(page), COUNT))
    labels = catalog.labels("chibi")
    assert labels[ids(tab, [second[0]])[0]] == "chibi"
    assert all(labels[i] == "not_chibi" for i in ids(tab, second[1:]))
    key(tab, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)   # a page fill is one step
    assert catalog.labels("chibi") == {**expected, ids(tab, [second[0]])[0]: "chibi"}
    key(tab, Qt.Key.Key_Escape)
    assert not tab.page_mode


def _fully_inside(tab, row) -> bool:
    return tab.view.viewport().rect().contains(tab.view.visualRect(tab.model.index(row)))


def test_the_page_is_exactly_the_rows_fully_on_screen_and_is_outlined(tab, qtbot):
    key(tab, Qt.Key.Key_P)
    page = tab.page_rows()
    assert all(_fully_inside(tab, r) for r in page)
    assert not _fully_inside(tab, page.stop)                      # the next line is cut off
    bar = tab.view.verticalScrollBar()
    bar.setValue(bar.value() + tab.view.gridSize().height() // 3)  # a line half scrolled away
    page = tab.page_rows()
    assert page.start == tab.view.columns() and all(_fully_inside(tab, r) for r in page)
    assert not _fully_inside(tab, page.start - 1) and not _fully_inside(tab, page.stop)
    rect = tab.view.page_rect(page)
    image = tab.view.viewport().grab().toImage()
    on_outline = image.pixelColor(rect.center().x(), rect.top() + 2)
    assert on_outline.name() == "#f58231"
    key(tab, Qt.Key.Key_P)
    image = tab.view.viewport().grab().toImage()
    assert image.pixelColor(rect.center().x(), rect.top() + 2).name() != "#f58231"


def test_pressing_p_mid_page_never_changes_an_existing_label(tab):
    """The issue's case: labels given one by one, P in the middle of the screen, a page label
    of the other class, Enter: the earlier chibi labels stay chibi."""
    catalog = tab.context.catalog
    for k in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_1, Qt.Key.Key_1, Qt.Key.Key_2):
        key(tab, k)
    before = catalog.labels("chibi")
    assert tab.current_row() == 5 and len(before) == 5
    key(tab, Qt.Key.Key_P)                                          # mid-page
    page = list(tab.page_rows())
    assert page[0] == 0 and tab.current_row() == 5                  # nothing moved
    key(tab, Qt.Key.Key_2, Qt.KeyboardModifier.ShiftModifier)      # page label: not_chibi
    key(tab, Qt.Key.Key_X)                                          # row 5 is a chibi
    key(tab, Qt.Key.Key_Return)
    expected = {**before, **dict.fromkeys(ids(tab, page[6:]), "not_chibi"),
                ids(tab, [5])[0]: "chibi"}
    assert catalog.labels("chibi") == expected
    assert tab.counts == {"chibi": 4, "not_chibi": 2 + len(page) - 6}


def test_a_relabel_of_the_page_happens_only_when_asked(tab):
    catalog = tab.context.catalog
    key(tab, Qt.Key.Key_1)
    key(tab, Qt.Key.Key_1)
    first, second = ids(tab, [0, 1])
    key(tab, Qt.Key.Key_P)
    key(tab, Qt.Key.Key_2, Qt.KeyboardModifier.ShiftModifier)
    key(tab, Qt.Key.Key_Return)                                     # unlabelled only
    assert catalog.label_of("chibi", first) == catalog.label_of("chibi", second) == "chibi"
    tab.view.show_line_of(0)
    key(tab, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)  # asked: relabel this page
    assert catalog.label_of("chibi", first) == "not_chibi"
    key(tab, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert catalog.label_of("chibi", first) == "chibi"
    tab.view.show_line_of(0)
    tab.page_bar.relabel_box.setChecked(True)                      # the option, for every page
    key(tab, Qt.Key.Key_Return)
    assert catalog.label_of("chibi", second) == "not_chibi"


def _native_key(tab, qt_key, mods, digit_row_position, text):
    """A key press as the platform reports it: Qt's key for the printed symbol, plus the native
    code of the key's position on the digit row (1 = the key left of 2; 0 = Escape, off the row)."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    if sys.platform == "darwin":
        scan, vk = 0, {0: 0x35, 1: 0x12, 2: 0x13}[digit_row_position]   # 0: Escape
    elif sys.platform.startswith("win"):
        scan, vk = 0x01 + digit_row_position, 0x30 + digit_row_position
    else:
        scan, vk = 9 + digit_row_position, ord(text)
    for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
        QApplication.sendEvent(tab.view, QKeyEvent(kind, qt_key, mods, scan, vk, 0, text))


def test_shift_digits_pick_the_page_label_on_german_and_azerty_keyboards(tab):
    key(tab, Qt.Key.Key_P)
    shift = Qt.KeyboardModifier.ShiftModifier
    _native_key(tab, Qt.Key.Key_QuoteDbl, shift, 2, '"')         # German Shift+2 prints "
    assert tab.paging.fill_label() == "not_chibi"
    _native_key(tab, Qt.Key.Key_1, shift, 1, "1")                # AZERTY Shift+& prints 1
    assert tab.paging.fill_label() == "chibi"
    _native_key(tab, Qt.Key.Key_Ampersand, Qt.KeyboardModifier.NoModifier, 1, "&")  # AZERTY 1
    assert tab.context.catalog.labels("chibi") == {ids(tab, [0])[0]: "chibi"}
    _native_key(tab, Qt.Key.Key_Exclam, shift, 0, "!")           # not a digit-row key: nothing
    assert tab.paging.fill_label() == "chibi"


def test_undo_is_bound_once(tab):
    undo = QKeySequence(QKeySequence.StandardKey.Undo)
    bound = [a for a in tab.findChildren(QAction) if undo in a.shortcuts()]
    assert len(bound) == 1
    for k in (Qt.Key.Key_1, Qt.Key.Key_2):
        key(tab, k)
    key(tab, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(tab.context.catalog.labels("chibi")) == 1             # one press, one step


def test_a_marked_labelled_image_stays_visible(tab):
    key(tab, Qt.Key.Key_1)
    key(tab, Qt.Key.Key_P)
    key(tab, Qt.Key.Key_H)
    centre = tab.view.visualRect(tab.model.index(0)).center()
    before = tab.view.viewport().grab().toImage().pixel(centre)
    key(tab, Qt.Key.Key_X)
    # The mark is a frame and a cross in the corner: the picture itself still shows.
    assert tab.model.marked == set(ids(tab, [0]))
    assert tab.view.viewport().grab().toImage().pixel(centre) == before


def test_undo_and_redo_survive_a_restart(qtbot, project):
    tab = open_sort_tab(qtbot, project)
    a, b, c = ids(tab, range(3))
    for k in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_1):
        key(tab, k)
    tab.context.set_project(None)
    tab.close()

    tab = open_sort_tab(qtbot, project)   # a new window on the same project
    catalog = tab.context.catalog
    key(tab, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    key(tab, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert catalog.labels("chibi") == {a: "chibi"}
    assert tab.model.labels[:3] == ["chibi", None, None]
    assert tab.current_row() == 1   # the grid shows what was undone
    key(tab, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert catalog.labels("chibi") == {a: "chibi", b: "not_chibi"}
    assert tab.model.labels[1] == "not_chibi" and tab.counts == {"chibi": 1, "not_chibi": 1}
    tab.context.set_project(None)


def test_filters_unlabelled_label_tag_size_and_order(tab):
    catalog = tab.context.catalog
    key(tab, Qt.Key.Key_1)
    key(tab, Qt.Key.Key_2)
    tab.filters.show_combo.setCurrentIndex(tab.filters.show_combo.findData("unlabelled"))
    assert tab.model.rowCount() == COUNT - 2
    assert all(label is None for label in tab.model.labels)
    tab.filters.show_combo.setCurrentIndex(tab.filters.show_combo.findData("label"))
    assert tab.filters.label_combo.isVisibleTo(tab)
    tab.filters.label_combo.setCurrentIndex(tab.filters.label_combo.findData("not_chibi"))
    assert tab.model.labels == ["not_chibi"]
    tab.filters.show_combo.setCurrentIndex(tab.filters.show_combo.findData("all"))
    completer = tab.filters.tag_edit.completer()
    assert completer is not None and "chibi" in completer.model().stringList()
    tab.filters.tag_edit.setText("chibi")
    tab.filters.tag_edit.editingFinished.emit()
    tagged = {r.id for r in tab.model.rows}
    assert tagged and all("chibi" in catalog.db.scalar(
        "SELECT tags FROM posts WHERE file_id = ?", (i,)).split() for i in tagged)
    tab.filters.tag_edit.setText("")
    tab.filters.tag_edit.editingFinished.emit()
    tab.filters.order_combo.setCurrentIndex(tab.filters.order_combo.findData("size_desc"))
    sizes = [r.size for r in tab.model.rows]
    assert len(sizes) == COUNT and sizes == sorted(sizes, reverse=True)
    tab.filters.min_side.setValue(300)
    tab.filters.min_side.editingFinished.emit()
    assert 0 < tab.model.rowCount() < COUNT
    assert all(min(r.width, r.height) >= 300 for r in tab.model.rows)


def test_model_queues_open_once_a_classifier_has_predicted(tab):
    combo = tab.filters.order_combo
    assert not combo.model().item(combo.findData("uncertain")).isEnabled()
    a, b, c = ids(tab, range(3))
    attach_predictions(tab.context.catalog, "chibi", ["chibi", "not_chibi"],
                       {a: [0.9, 0.1], b: [0.45, 0.55], c: [0.3, 0.7]})
    tab.context.predictions_changed.emit()
    assert combo.model().item(combo.findData("uncertain")).isEnabled()
    combo.setCurrentIndex(combo.findData("uncertain"))
    assert [r.id for r in tab.model.rows] == [b, c, a]
    tab.filters.predicted_combo.setCurrentIndex(tab.filters.predicted_combo.findData("chibi"))
    assert [r.id for r in tab.model.rows] == [a]
    key(tab, Qt.Key.Key_2)                                    # the model says chibi
    tab.filters.predicted_combo.setCurrentIndex(0)
    tab.filters.order_combo.setCurrentIndex(0)
    tab.filters.show_combo.setCurrentIndex(tab.filters.show_combo.findData("mislabelled"))
    assert [r.id for r in tab.model.rows] == [a]


def test_thumbnails_load_and_zoom_changes_the_size(tab, qtbot):
    qtbot.waitUntil(lambda: tab.loader.image(_key(tab, 0)) is not None, timeout=20000)
    assert any(tab.context.project.thumbs_dir.rglob("*.jpg"))
    before = tab.view.thumb_px
    key(tab, Qt.Key.Key_Plus)
    assert tab.view.thumb_px == before + 32
    QTest.keyClick(tab.view, Qt.Key.Key_Minus)
    QTest.keyClick(tab.view, Qt.Key.Key_Minus)
    assert tab.view.thumb_px == before - 32
    centre = QPointF(tab.view.viewport().rect().center())
    wheel = QWheelEvent(centre, tab.view.mapToGlobal(centre), QPoint(), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(tab.view.viewport(), wheel)
    assert tab.view.thumb_px == before
    assert tab.model.bucket == 256


def test_an_unreadable_image_shows_as_such_and_can_still_be_labelled(tab, qtbot):
    row = tab.model.rows[0]
    tab.context.project.abspath(row.path).write_bytes(b"\x89PNG broken download")
    tab.loader.wait_idle()
    shutil.rmtree(tab.context.project.thumbs_dir)   # no thumbnail made before the damage
    tab.loader.reset(tab.context.project.thumbs_dir)
    tab.view.viewport().update()
    qtbot.waitUntil(lambda: tab.model.data(tab.model.index(0), ThumbModel.FailedRole), timeout=20000)
    key(tab, Qt.Key.Key_2)
    assert tab.context.catalog.label_of("chibi", row.id) == "not_chibi"


def test_label_sets_are_editable_and_keys_follow_them(tab, monkeypatch):
    answers = iter([("pose", True), ("standing, sitting, lying", True)])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: next(answers))
    dialogs.new_label_set(tab)
    assert tab.filters.set_combo.currentData() == "pose"
    key(tab, Qt.Key.Key_3)
    assert tab.context.catalog.labels("pose") == {ids(tab, [0])[0]: "lying"}
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("standing, sitting", True))
    dialogs.edit_label_set(tab)
    assert tab.label_set.classes == ("standing", "sitting")
    assert "2 sitting" in tab.progress_label.text() and "lying" not in tab.progress_label.text()


def _key(tab, row):
    return ThumbKey(tab.model.rows[row].md5, tab.model.bucket)


def test_preview_moves_and_labels_with_the_same_keys(tab, qtbot):
    catalog = tab.context.catalog
    key(tab, Qt.Key.Key_Space)
    preview = tab.preview
    qtbot.waitUntil(preview.isActiveWindow)
    assert preview.isVisible() and preview.shown_path.name == Path(tab.model.rows[0].path).name
    QTest.keyClick(preview, Qt.Key.Key_Right)
    assert tab.current_row() == 1 and preview.shown_path.name == Path(tab.model.rows[1].path).name
    QTest.keyClick(preview, Qt.Key.Key_2)
    assert catalog.label_of("chibi", ids(tab, [1])[0]) == "not_chibi"
    assert tab.current_row() == 2 and preview.shown_path.name == Path(tab.model.rows[2].path).name
    assert not preview.canvas.image.isNull()
    QTest.keyClick(preview, Qt.Key.Key_Space)
    assert not preview.isVisible()


def test_near_duplicate_groups_keep_the_best(tab, qtbot):
    catalog = tab.context.catalog
    duplicate_groups.find(tab)
    qtbot.waitUntil(lambda: tab.groups is not None and tab.model.groups is not None, timeout=30000)
    assert tab.filters.show_combo.currentData() == "duplicates"
    assert len(tab.groups) >= 2 and tab.model.rowCount() >= 4
    first = tab.groups[0]
    assert ids(tab, range(len(first.members))) == list(first.members)
    key(tab, Qt.Key.Key_D)
    labels = catalog.labels(DUPLICATE_SET)
    assert labels[first.best] == "keep"
    assert all(labels[m] == "duplicate" for m in first.members[1:])
    assert first.best not in {r.id for r in tab.model.rows}   # that group is done
    tab.filters.show_combo.setCurrentIndex(tab.filters.show_combo.findData("all"))
    assert tab.model.rowCount() == COUNT - (len(first.members) - 1)   # duplicates are hidden
    key(tab, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert tab.model.rowCount() == COUNT and catalog.labels(DUPLICATE_SET) == {}
    tab.filters.show_combo.setCurrentIndex(tab.filters.show_combo.findData("duplicates"))
    assert ids(tab, range(len(first.members))) == list(first.members)   # open again


def test_a_label_survives_kill_9_right_after_the_keypress(project, tmp_path):
    script = textwrap.dedent(f"""
        import sys, time
        from PySide6.QtWidgets import QApplication
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest
        app = QApplication([])
        from ganime_gui.core.project import Project
        from ganime_gui.ui.context import AppContext
        from ganime_gui.ui.sort_tab import SortTab
        context = AppContext()
        context.set_project(Project.open({str(project.root)!r}))
        tab = SortTab(context)
        tab.show()
        QTest.keyClick(tab.view, Qt.Key.Key_2)
        print("pressed", flush=True)
        time.sleep(60)
    """)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, env=env,
                            text=True)
    try:
        assert proc.stdout.readline().strip() == "pressed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    with Catalog(project.catalog_path) as catalog:
        first = catalog.files()[0].id
        assert catalog.labels("chibi") == {first: "not_chibi"}
        assert catalog.history_depth() == (1, 0)


def test_new_files_from_a_crawl_reach_the_grid_without_moving_the_user(tab, tmp_path):
    catalog = tab.context.catalog
    before = tab.model.rowCount()
    key(tab, Qt.Key.Key_Right)
    key(tab, Qt.Key.Key_Right)
    extra = tab.context.project.images_dir / "new.png"
    shutil.copy(tab._abspath(tab.model.rows[0].path), extra)
    catalog.add_file("images/new.png", "f" * 32, extra.stat().st_size, 10, 10)

    tab.context.files_changed.emit()  # visible, mid-sort: only a hint
    assert tab.model.rowCount() == before and tab.current_row() == 2
    assert "F5" in tab.hint_label.text()
    key(tab, Qt.Key.Key_F5)
    assert tab.model.rowCount() == before + 1

    tab.hide()
    catalog.add_file("images/new2.png", "e" * 32, 1, 10, 10)
    tab.context.files_changed.emit()  # hidden: reloads when shown again
    tab.show()
    assert tab.model.rowCount() == before + 2



@pytest.mark.parametrize("platform, key, scan, vk, expected", [
    ("linux", Qt.Key.Key_Exclam, 10, 0x21, 1),        # US Shift+1 prints !
    ("linux", Qt.Key.Key_section, 12, 0xa7, 3),       # German Shift+3 prints §
    ("linux", Qt.Key.Key_Eacute, 11, 0xe9, 2),        # AZERTY 2 prints é
    ("linux", Qt.Key.Key_Q, 24, 0x71, None),          # a letter
    ("win32", Qt.Key.Key_Exclam, 0x02, 0x31, 1),
    ("win32", Qt.Key.Key_Ampersand, 0x0A, 0x39, 9),
    ("darwin", Qt.Key.Key_At, 0, 0x13, 2),
    ("linux", Qt.Key.Key_7, 0, 0, 7),                 # no native code: Qt's key
])
def test_digit_of_reads_the_key_position_not_the_symbol(platform, key, scan, vk, expected):
    from ganime_gui.ui.keys import digit_of
    assert digit_of(key, scan, vk, platform=platform) == expected


def test_a_short_learn_as_i_sort_session_with_real_keys(tab, qtbot, monkeypatch):
    from ganime_gui.core.sorting import active
    from ganime_gui.core.sorting.active import LearnConfig, surest
    monkeypatch.setattr(active, "MIN_HOLDOUT", 4)      # a short session has few labels
    learning, panel = tab.learning, tab.learning.panel
    learning.config = LearnConfig(backbone="tiny_cnn", weights=None, input_size=32, holdout=0.5)
    panel.every_spin.setValue(6)
    panel.enable_box.setChecked(True)          # nothing labelled yet: it waits for labels
    assert not learning.loop.running and "retrain in <b>6</b>" in panel.status.text()
    tab.view.setFocus()
    before = ids(tab, range(COUNT))
    for k in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_2, Qt.Key.Key_1, Qt.Key.Key_2):
        key(tab, k)
    assert not learning.loop.running
    key(tab, Qt.Key.Key_2)                     # the 6th new label: a round starts
    assert learning.loop.running and "retraining" in panel.status.text()
    qtbot.waitUntil(lambda: learning.loop.rounds == 1, timeout=60_000)
    assert tab.current_row() == 6 and ids(tab, range(7)) == before[:7]   # my place is kept
    assert ids(tab, range(COUNT)) != before and sorted(ids(tab, range(COUNT))) == sorted(before)
    assert "model 1" in panel.status.text()
    # Model-ordered page: the images it is surest are not_chibi; mark one exception, take it.
    panel.order_combo.setCurrentIndex(panel.order_combo.findData(surest("not_chibi")))
    scores = learning.loop.last.scores
    ahead = [scores[i][1] for i in ids(tab, range(7, COUNT))]
    assert ahead == sorted(ahead, reverse=True)
    key(tab, Qt.Key.Key_P)
    assert tab.paging.fill_label() == "not_chibi"
    labelled = dict(tab.context.catalog.labels("chibi"))
    page = list(tab.page_rows())
    key(tab, Qt.Key.Key_X)
    exception = ids(tab, [tab.current_row()])[0]
    key(tab, Qt.Key.Key_Return)                 # one key takes the page
    after = tab.context.catalog.labels("chibi")
    assert {i: after[i] for i in labelled} == labelled
    assert after[exception] == "chibi"
    assert all(after[i] == "not_chibi" for i in ids(tab, page) if i not in labelled
               and i != exception)
    qtbot.waitUntil(lambda: learning.loop.rounds == 2, timeout=60_000)   # those labels count
    assert "balanced accuracy" in panel.status.text()


def test_the_funnel_dialog_counts_and_a_spot_check_is_labelled_with_keys(tab, qtbot, tmp_path,
                                                                         monkeypatch):
    catalog = tab.context.catalog
    everyone = ids(tab, range(COUNT))
    attach_predictions(catalog, "chibi", ["chibi", "not_chibi"],
                       {i: [0.1, 0.9] for i in everyone})
    tab.context.predictions_changed.emit()
    key(tab, Qt.Key.Key_2)
    key(tab, Qt.Key.Key_2)
    dialog = tab.open_funnel()
    assert dialog.clean_combo.currentData() == "not_chibi"     # the majority class
    shown = {dialog.stages.itemAt(r, dialog.stages.ItemRole.LabelRole).widget().text():
             dialog.stages.itemAt(r, dialog.stages.ItemRole.FieldRole).widget().text()
             for r in range(dialog.stages.rowCount())}
    assert shown["Images on disk (duplicates hidden)"] == str(COUNT)
    assert shown["Labelled by hand"] == "2 (2 clean)"
    assert shown["Predicted clean"] == str(COUNT - 2)
    assert "unknown" in dialog.precision.text()
    dialog.size_spin.setValue(5)
    dialog.draw()
    assert tab.spec().show == "spot_check" and tab.model.rowCount() == 5
    tab.view.setFocus()
    for k in (Qt.Key.Key_2, Qt.Key.Key_2, Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_2):
        key(tab, k)
    f = dialog.refresh()
    assert (f.checked, f.confirmed) == (5, 4)               # looked at again: one was chibi
    assert "95% interval" in dialog.precision.text() and f.low < f.precision < f.high
    out = tmp_path / "clean-export"
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    dialog.export()
    qtbot.waitUntil(lambda: not tab.context.jobs.running(), timeout=20_000)
    assert len(list((out / "clean").iterdir())) == f.clean_set == COUNT - 1   # one chibi now
    dialog.close()


def test_learning_features_can_be_picked_without_a_download(tab):
    learning = tab.learning
    assert (learning.config.backbone, learning.config.weights) == ("mobilenet_v2", "imagenet")
    learning.panel.enable_box.setChecked(True)
    combo = learning.panel.features_combo
    combo.setCurrentIndex(combo.findText("Tiny CNN (no download)"))
    assert (learning.config.backbone, learning.config.weights) == ("tiny_cnn", None)
    assert not learning.loop.running       # no labels of two classes yet: nothing to learn


def test_the_funnel_scores_again_with_the_quick_model(tab, qtbot):
    from ganime_gui.core.sorting.active import LearnConfig
    tab.learning.config = LearnConfig(backbone="tiny_cnn", weights=None, input_size=32)
    for k in (Qt.Key.Key_1, Qt.Key.Key_2, Qt.Key.Key_2):
        key(tab, k)
    dialog = tab.open_funnel()
    assert "Scored by a model (unlabelled)" in [
        dialog.stages.itemAt(r, dialog.stages.ItemRole.LabelRole).widget().text()
        for r in range(dialog.stages.rowCount())]
    assert dialog.refresh().scored == 0
    dialog.rescore()
    qtbot.waitUntil(lambda: tab.learning.loop.rounds == 1, timeout=60_000)
    f = dialog.refresh()
    assert f.scored == COUNT - 3 and f.model == "learn-as-i-sort-chibi"
    dialog.close()


def test_the_funnel_remembers_its_clean_class_and_tag_filter(tab):
    from ganime_gui.core.sorting.funnel import saved_specs

    key(tab, Qt.Key.Key_2)
    tab.filters.tag_edit.setText("-multiple_girls")
    dialog = tab.open_funnel()
    assert dialog.clean_combo.currentData() == "not_chibi"     # the majority class at first
    dialog.clean_combo.setCurrentIndex(dialog.clean_combo.findData("chibi"))
    dialog.close()
    saved = saved_specs(tab.context.project.funnel_path)["chibi"]
    assert (saved.clean, saved.tags) == ("chibi", "-multiple_girls")
    again = tab.open_funnel()                                   # as after a restart: the file
    try:
        assert again.clean_combo.currentData() == "chibi"
    finally:
        again.close()
