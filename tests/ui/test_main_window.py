import os
import subprocess
import sys
import textwrap
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTableWidget

from ganime_gui.ui import settings as settings_mod
from ganime_gui.ui.keys import sequences
from ganime_gui.ui.main_window import MainWindow, key_sections


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("GANIME_SETTINGS_FILE", str(tmp_path / "settings.ini"))
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    yield w
    w.context.jobs.stop_all()


def test_window_has_four_tabs_and_menus(window):
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == ["Crawl", "Sort", "Train", "GAN"]
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Help"]
    file_items = [a.text() for a in window.menuBar().actions()[0].menu().actions() if a.text()]
    assert file_items[:3] == ["&New project…", "&Open project…", "Open &recent"]
    assert "&Quit" in file_items
    help_items = [a.text() for a in window.menuBar().actions()[1].menu().actions()]
    assert help_items == ["&Keyboard shortcuts", "&About GANime Studio"]
    assert window.statusBar().isVisible()
    assert window.windowTitle() == "GANime Studio"


def test_new_and_open_project_round_trip(window, tmp_path):
    root = tmp_path / "My Set"
    assert window.new_project(root) is not None
    assert window.windowTitle().startswith("My Set")
    window.context.catalog.add_file("images/a.png", "a" * 32, 3)
    window.context.set_project(None)
    assert window.open_project(root).root == root.resolve()
    assert window.context.catalog.count_files() == 1
    assert window.project_label.text().endswith(": 1 image")
    assert settings_mod.recent_projects(window.settings)[0] == str(root.resolve())
    window._fill_recent_menu()
    assert window.recent_menu.actions()[0].text() == str(root.resolve())


def test_opening_a_non_project_shows_a_message_and_keeps_state(window, tmp_path):
    assert window.open_project(tmp_path) is None
    assert window.last_error[0] == "Could not open the project"
    assert "not a GANime project" in window.last_error[1]
    assert window.context.project is None


def test_geometry_and_last_project_are_remembered(qtbot, window, tmp_path):
    root = tmp_path / "p"
    window.new_project(root)
    window.resize(780, 560)  # fits the offscreen screen, so nothing is clamped
    window.tabs.setCurrentIndex(2)
    window.close()
    again = MainWindow()
    qtbot.addWidget(again)
    again.restore_last_project()
    assert again.context.project.root == root.resolve()
    assert again.tabs.currentIndex() == 2
    assert (again.width(), again.height()) == (780, 560)


def test_shortcut_sheet_lists_global_and_tab_shortcuts(window):
    dialog = window.show_shortcuts()
    table = dialog.findChild(QTableWidget)
    rows = window.shortcut_rows()
    assert ("Everywhere", "Ctrl+Q", "Quit (running jobs are stopped cleanly first)") in rows
    assert table.rowCount() == len(rows)
    shown = {(table.item(r, 0).text(), table.item(r, 1).text()) for r in range(table.rowCount())}
    assert ("Everywhere", "F1") in shown and ("Sort", "Shift+1 … 9") in shown
    dialog.close()


def test_every_key_in_the_tables_is_bound_where_it_says(qtbot, window):
    """The sheet cannot promise a key nobody binds: each table row with shortcuts has a QAction
    or QShortcut with those keys in its tab (the window's on the window)."""
    qtbot.waitUntil(lambda: len(window.tab_widgets) == 4, timeout=30_000)
    for where, table in key_sections():
        owner = window if where == "Everywhere" else window.tab(where)
        bound = {seq.toString() for a in owner.findChildren(QAction) for seq in a.shortcuts()}
        bound |= {s.key().toString() for s in owner.findChildren(QShortcut)}
        for b in table:
            if b.count:
                wanted = [b.shortcuts[0].format(n) for n in range(1, b.count + 1)]
            else:
                wanted = [seq.toString() for seq in sequences(b.shortcuts)]
            missing = [w for w in wanted if QKeySequence(w).toString() not in bound]
            assert not missing, f"{where}: {b.keys} is in the sheet but not bound: {missing}"


def test_ctrl_digits_switch_tabs_also_from_the_sort_grid(qtbot, window, tmp_path):
    window.new_project(tmp_path / "p")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentIndex() == 1
    grid = window.tab("Sort").view
    grid.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is grid)
    QTest.keyClick(grid, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)  # a digit, with Ctrl
    assert window.tabs.currentIndex() == 2


def test_a_failing_job_shows_its_message_in_the_window(qtbot, window):
    def job(progress, cancelled):
        raise OSError(28, "No space left on device")

    window.context.jobs.start(job, "Export", on_failed=lambda m: window.context.error("Export failed", m))
    qtbot.waitUntil(lambda: window.last_error is not None, timeout=5000)
    assert "disk is full" in window.last_error[1]


QUIT_WHILE_RUNNING = textwrap.dedent("""
    import time
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from ganime_gui.core.jobs import check_cancelled
    from ganime_gui.ui.main_window import MainWindow
    app = QApplication([])
    w = MainWindow(); w.show()
    def job(progress, cancelled):
        while True:
            check_cancelled(cancelled); time.sleep(0.02)
    w.context.jobs.start(job, "endless")
    QTimer.singleShot(300, w.close)
    QTimer.singleShot(300, app.quit)
    app.exec()
    print("exited", len(w.context.jobs.running()))
""")


def test_quitting_while_a_job_runs_exits_cleanly(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GANIME_SETTINGS_FILE": str(tmp_path / "s.ini")}
    proc = subprocess.run([sys.executable, "-c", QUIT_WHILE_RUNNING], capture_output=True, text=True,
                          timeout=60, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "exited 0" in proc.stdout
    assert "Destroyed while thread" not in proc.stderr


def test_status_bar_counts_images_as_a_crawl_adds_them(window, tmp_path):
    window.new_project(tmp_path / "p")
    assert window.project_label.text() == "p: 0 images"
    window.context.catalog.add_file("images/a.png", "a" * 32, 3)
    window.context.files_changed.emit()
    assert window.project_label.text() == "p: 1 image"


def test_tabs_are_built_after_the_window_shows_current_first(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("GANIME_SETTINGS_FILE", str(tmp_path / "s.ini"))
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.tab_widgets == {}  # nothing heavy before the window is on screen
    w.show()
    qtbot.waitUntil(lambda: len(w.tab_widgets) == 4, timeout=30_000)
    assert w.tabs.currentWidget().layout().itemAt(0).widget() is w.tab_widgets["Crawl"]


def test_switching_to_sort_gives_its_grid_the_keyboard(qtbot, window, tmp_path):
    window.new_project(tmp_path / "p")
    qtbot.waitUntil(lambda: len(window.tab_widgets) == 4, timeout=30_000)
    window.activateWindow()
    window.tabs.setCurrentIndex(1)
    window.tab("Sort").filters.set_combo.setFocus()  # last used: a filter, as after picking a label set
    window.tabs.setCurrentIndex(0)
    window.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.tab("Sort").view, timeout=3000)


def test_a_failure_is_written_to_the_project_log_with_its_traceback(qtbot, window, tmp_path):
    project = window.new_project(tmp_path / "p")

    def job(progress, cancelled):
        raise ValueError("a pixel went missing")

    window.context.jobs.start(job, "Thumbnails")
    qtbot.waitUntil(lambda: "a pixel went missing" in project.log_path.read_text(), timeout=5000)
    log = project.log_path.read_text()
    assert "Thumbnails failed" in log and "Traceback" in log and "ValueError" in log


def test_a_damaged_catalog_keeps_the_current_project_open(window, tmp_path):
    good = window.new_project(tmp_path / "good")
    bad = window.new_project(tmp_path / "bad")
    window.open_project(good.root)
    bad.catalog_path.write_bytes(b"garbage" * 500)
    assert window.open_project(bad.root) is None
    assert "could not be read" in window.last_error[1]
    assert window.context.project == good and window.context.catalog.count_files() == 0


@pytest.mark.parametrize("title", ["Crawl", "Train", "GAN"])
def test_a_settings_column_shows_every_control_whole(qtbot, window, title):
    """At a laptop's 1280×800 nothing in a tab's settings column is cut off by its scroll bar."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QScrollArea

    window.resize(1280, 800)
    window.tabs.setCurrentIndex([window.tabs.tabText(i) for i in range(window.tabs.count())].index(title))
    tab = window.tab(title)
    qtbot.waitUntil(tab.isVisible)
    scroll = tab.findChild(QScrollArea)
    viewport = scroll.viewport()
    controls = [w for kind in (QAbstractButton, QComboBox, QAbstractSpinBox)
                for w in scroll.widget().findChildren(kind) if w.isVisibleTo(scroll.widget())]
    assert controls
    cut = [w.text() if hasattr(w, "text") else type(w).__name__ for w in controls
           if w.mapTo(viewport, QPoint(w.width(), 0)).x() > viewport.width()]
    assert cut == []
