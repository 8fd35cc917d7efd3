"""The main window: four tabs, File and Help menus, a status bar, remembered geometry and projects."""
from __future__ import annotations

import importlib
import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QHeaderView, QLabel,
                               QMainWindow, QMessageBox, QProgressBar, QTableWidget,
                               QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from ganime_gui import APP_NAME
from ganime_gui.core.jobs import UserError
from ganime_gui.core.project import Project
from ganime_gui.ui.context import AppContext
from ganime_gui.ui.keys import Binding, make_actions
from ganime_gui.ui.placeholder import MessagePanel
from ganime_gui.ui import settings as app_settings_mod

log = logging.getLogger("ganime.ui")

# (tab title, module, class, what it will do) — a tab whose module is missing shows a "coming" panel.
TABS = [
    ("Crawl", "ganime_gui.ui.crawl_tab", "CrawlTab", "Crawl booru sites by tag into the project."),
    ("Sort", "ganime_gui.ui.sort_tab", "SortTab", "Sort images into classes by keyboard."),
    ("Train", "ganime_gui.ui.train_tab", "TrainTab", "Train a classifier and clean the data with it."),
    ("GAN", "ganime_gui.ui.gan_tab", "GanTab", "Train a GAN and watch its samples improve."),
]

# The window's keys; each tab's are in a table of its own (KEY_TABLES). The shortcut sheet and the
# README's table (tools/readme_keys.py) are generated from these tables.
WINDOW_KEYS: tuple[Binding, ...] = (
    Binding("new_project", "Ctrl+N", "New project", (QKeySequence.StandardKey.New,)),
    Binding("open_project", "Ctrl+O", "Open project", (QKeySequence.StandardKey.Open,)),
    Binding("quit", "Ctrl+Q", "Quit (running jobs are stopped cleanly first)", ("Ctrl+Q",)),
    Binding("go_to_tab", "Ctrl+1 … Ctrl+4", "Go to the Crawl, Sort, Train or GAN tab",
            ("Ctrl+{}",), count=len(TABS)),
    Binding("shortcuts", "F1", "The shortcut sheet", ("F1",)),
)
KEY_TABLES = {"Crawl": "ganime_gui.ui.crawl_keys", "Sort": "ganime_gui.ui.sort.keys",
              "Train": "ganime_gui.ui.train_keys", "GAN": "ganime_gui.ui.gan_keys"}


def key_sections() -> list[tuple[str, tuple[Binding, ...]]]:
    """(where, bindings): the window's, then each tab's, in tab order."""
    return [("Everywhere", WINDOW_KEYS)] + [
        (title, importlib.import_module(KEY_TABLES[title]).KEYS) for title, *_ in TABS
        if title in KEY_TABLES]


def _load_tab_class(module_name: str, class_name: str):
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    return getattr(module, class_name)


class MainWindow(QMainWindow):
    tabs_ready = Signal()   # every tab is built (they are built after the window shows)

    def __init__(self, context: AppContext | None = None):
        super().__init__()
        self.context = context or AppContext(self)
        self.settings = app_settings_mod.app_settings()
        self.last_error: tuple[str, str] | None = None
        self._quitting = False
        self.setWindowTitle(APP_NAME)
        self.setMinimumSize(760, 520)

        # Tabs are built after the window shows (the current one first, then one per event-loop
        # turn): their modules pull in requests, numpy, pyqtgraph… and the window must appear first.
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tab_widgets: dict[str, QWidget] = {}   # the tabs built so far
        self._tab_slots: dict[str, QWidget] = {}
        for title, *_ in TABS:
            slot = QWidget()
            QVBoxLayout(slot).setContentsMargins(0, 0, 0, 0)
            self._tab_slots[title] = slot
            self.tabs.addTab(slot, title)
        self.setCentralWidget(self.tabs)

        self._build_menus()
        self._build_status_bar()
        self.context.project_changed.connect(self._on_project_changed)
        self.context.files_changed.connect(self._update_project_label)
        self.context.status_message.connect(self._show_status)
        self.context.error_raised.connect(self._show_error)
        self.context.jobs.job_started.connect(self._on_job_started)
        self.context.jobs.job_ended.connect(self._on_job_ended)
        self._restore_geometry()
        self._on_project_changed(None)
        self.tabs.currentChanged.connect(lambda i: self.tab(TABS[i][0]))
        QTimer.singleShot(0, self._build_next_tab)

    # -- tabs ------------------------------------------------------------------------------------
    def tab(self, title: str) -> QWidget:
        """The tab's widget, built on first use."""
        widget = self.tab_widgets.get(title)
        if widget is None:
            _, module, cls_name, blurb = next(t for t in TABS if t[0] == title)
            cls = _load_tab_class(module, cls_name)
            widget = cls(self.context) if cls else MessagePanel(
                f"{title}: coming", f"{blurb}\nThis tab is not in this build yet.")
            self.tab_widgets[title] = widget
            self._tab_slots[title].layout().addWidget(widget)
        return widget

    def _build_next_tab(self) -> None:
        current = TABS[self.tabs.currentIndex()][0]
        pending = [current] + [t[0] for t in TABS if t[0] != current]
        pending = [t for t in pending if t not in self.tab_widgets]
        if pending and not self._quitting:
            self.tab(pending[0])
            QTimer.singleShot(0, self._build_next_tab)
        elif not pending:
            self.tabs_ready.emit()

    # -- menus -----------------------------------------------------------------------------------
    def _build_menus(self) -> None:
        self.window_actions = make_actions(self, WINDOW_KEYS, {
            "new_project": self._ask_new_project, "open_project": self._ask_open_project,
            "quit": self.close, "go_to_tab": lambda n: self.tabs.setCurrentIndex(n - 1),
            "shortcuts": self.show_shortcuts}, context=Qt.ShortcutContext.WindowShortcut)
        file_menu = self.menuBar().addMenu("&File")
        self.new_action = self._menu_action(file_menu, "new_project", "&New project…")
        self.open_action = self._menu_action(file_menu, "open_project", "&Open project…")
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._fill_recent_menu()
        file_menu.addSeparator()
        self.quit_action = self._menu_action(file_menu, "quit", "&Quit")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        help_menu = self.menuBar().addMenu("&Help")
        self.shortcuts_action = self._menu_action(help_menu, "shortcuts", "&Keyboard shortcuts")
        self.about_action = self._action(help_menu, "&About GANime Studio", None, self._show_about)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)

    def _menu_action(self, menu, name: str, text: str) -> QAction:
        action = self.window_actions[name]
        action.setText(text)
        menu.addAction(action)
        return action

    def _action(self, menu, text, shortcut, slot) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = app_settings_mod.recent_projects(self.settings)
        for path in recent:
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _=False, p=path: self.open_project(p))
        if recent:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self._clear_recent)
        else:
            self.recent_menu.addAction("(no recent projects)").setEnabled(False)

    def _clear_recent(self) -> None:
        self.settings.setValue("recentProjects", [])

    # -- status bar ------------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.project_label = QLabel()
        self.job_label = QLabel()
        self.job_progress = QProgressBar()
        self.job_progress.setMaximumWidth(160)
        self.job_progress.setTextVisible(False)
        self.job_progress.hide()
        bar.addPermanentWidget(self.job_label)
        bar.addPermanentWidget(self.job_progress)
        bar.addPermanentWidget(self.project_label)

    def _show_status(self, text: str, timeout_ms: int) -> None:
        self.statusBar().showMessage(text, timeout_ms)

    def _on_job_started(self, worker) -> None:
        worker.progress.connect(self._on_job_progress)
        self._update_job_label()

    def _on_job_ended(self, _worker) -> None:
        self._update_job_label()

    def _on_job_progress(self, done: int, total: int, message: str, _extra: dict) -> None:
        if total > 0:
            self.job_progress.setRange(0, total)
            self.job_progress.setValue(min(done, total))
        else:
            self.job_progress.setRange(0, 0)

    def _update_job_label(self) -> None:
        running = self.context.jobs.running()
        if running:
            names = ", ".join(w.name for w in running[:2]) + ("…" if len(running) > 2 else "")
            self.job_label.setText(f"Running: {names}")
            self.job_progress.show()
        else:
            self.job_label.setText("")
            self.job_progress.hide()

    # -- projects --------------------------------------------------------------------------------
    def _ask_new_project(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "New project: choose a name for its folder", str(Path.home()), "",
            options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.new_project(path)

    def _ask_open_project(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open project folder", str(Path.home()))
        if path:
            self.open_project(path)

    def new_project(self, path: str | Path) -> Project | None:
        try:
            project = Project.create(path)
            self._set_project(project)
        except UserError as exc:
            self._show_error("Could not create the project", str(exc))
            return None
        return project

    def open_project(self, path: str | Path) -> Project | None:
        try:
            project = Project.open(path)
            self._set_project(project)
        except UserError as exc:
            app_settings_mod.forget_project(str(Path(path).expanduser().resolve()), self.settings)
            self._show_error("Could not open the project", str(exc))
            return None
        return project

    def _set_project(self, project: Project) -> None:
        if self.context.jobs.running():
            self.context.jobs.stop_all()
        self.context.set_project(project)
        app_settings_mod.remember_project(str(project.root), self.settings)

    def _on_project_changed(self, project: Project | None) -> None:
        if project is None:
            self.setWindowTitle(APP_NAME)
            self.project_label.setText("No project open")
            self.statusBar().showMessage("Create a project (Ctrl+N) or open one (Ctrl+O) to begin.")
            return
        self.setWindowTitle(f"{project.name} — {APP_NAME}")
        self._update_project_label()
        self.statusBar().showMessage(f"Opened {project.root}", 5000)

    def _update_project_label(self) -> None:
        project, catalog = self.context.project, self.context.catalog
        if project is not None and catalog is not None:
            count = catalog.count_files()
            self.project_label.setText(f"{project.name}: {count} image{'' if count == 1 else 's'}")

    def restore_last_project(self) -> None:
        last = self.settings.value("lastProject")
        if last and Project.is_project(last):
            self.open_project(last)

    # -- dialogs ---------------------------------------------------------------------------------
    def _show_error(self, title: str, message: str) -> None:
        self.last_error = (title, message)
        self.statusBar().showMessage(f"{title}: {message}", 15000)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # window-modal without a nested event loop: workers keep reporting

    def shortcut_rows(self) -> list[tuple[str, str, str]]:
        return [(where, b.keys, b.text) for where, table in key_sections() for b in table]

    def show_shortcuts(self) -> QDialog:
        dialog = QDialog(self)
        dialog.setWindowTitle("Keyboard shortcuts")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        rows = self.shortcut_rows()
        table = QTableWidget(len(rows), 3)
        table.setHorizontalHeaderLabels(["Where", "Keys", "What it does"])
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                table.setItem(r, c, QTableWidgetItem(text))
        table.verticalHeader().hide()
        table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout = QVBoxLayout(dialog)
        layout.addWidget(table)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(dialog.close)
        layout.addWidget(buttons)
        dialog.resize(640, 480)
        dialog.show()
        return dialog

    def _show_about(self) -> None:
        from ganime_gui.ui.about import show_about

        self.about_box = show_about(self)

    # -- geometry and quitting -------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        geometry = self.settings.value("windowGeometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 820)
        tab = self.settings.value("currentTab")
        if tab is not None:
            self.tabs.setCurrentIndex(int(tab))

    def closeEvent(self, event: QCloseEvent) -> None:
        self._quitting = True
        running = self.context.jobs.running()
        if running:
            self.statusBar().showMessage("Stopping running jobs…")
            # Cancel, then wait for each thread: quitting never leaves a QThread running.
            if not self.context.jobs.stop_all(timeout_ms=30_000):
                log.warning("some jobs did not stop within 30 s")
        for widget in self.tab_widgets.values():
            shutdown = getattr(widget, "shutdown", None)
            if callable(shutdown):
                shutdown()
        self.settings.setValue("windowGeometry", self.saveGeometry())
        self.settings.setValue("currentTab", self.tabs.currentIndex())
        self.settings.sync()
        self.context.set_project(None)
        event.accept()
