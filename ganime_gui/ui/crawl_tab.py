"""The Crawl tab: pick a site and tags, set filters, start / pause / resume / stop a crawl and watch it.

All crawling is ``ganime_gui.core.crawl``: the tab builds the query from its form
(``ui/crawl/form.py``), runs ``run_crawl`` as a job through the app's JobRunner and shows the
:class:`CrawlReport` events it sends (``ui/crawl/monitor.py``); past crawls are listed by
``ui/crawl/past.py``. Running the same query again resumes its unfinished crawl, as the command does.
"""
from __future__ import annotations

import logging
import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QMessageBox, QPushButton, QScrollArea,
                               QSplitter, QVBoxLayout, QWidget)

from ganime_gui.core.boorus import SITES
from ganime_gui.core.crawl import SEED_TAGS, run_crawl
from ganime_gui.core.crawl.events import CrawlReport
from ganime_gui.core.importer import import_folder
from ganime_gui.ui.context import AppContext
from ganime_gui.ui.crawl.form import CrawlForm
from ganime_gui.ui.crawl.monitor import CrawlMonitor
from ganime_gui.ui.crawl.past import PastCrawls

log = logging.getLogger("ganime.ui.crawl")

# Other tabs hear about new images at most this often while a crawl runs.
FILES_CHANGED_EVERY_S = 5.0
# The answers of the "no tags" question.
USE_SEED, CRAWL_ALL, CANCEL = "seed", "all", "cancel"


class CrawlTab(QWidget):
    SHORTCUTS: list[tuple[str, str]] = [
        ("Enter (in the tag box)", "Add the typed tag as a chip; start it with '-' to exclude it"),
        ("Ctrl+Enter", "Start the crawl"),
        ("Ctrl+P", "Pause / resume the crawl"),
        ("Ctrl+.", "Stop the crawl (it can be resumed later)"),
    ]

    def __init__(self, context: AppContext, parent=None):
        super().__init__(parent)
        self.context = context
        self.worker = None
        self.job_id: int | None = None
        self._announced_downloads, self._announced_at = 0, 0.0
        self._build()
        context.project_changed.connect(self._on_project_changed)
        self._on_project_changed(context.project)

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.form = CrawlForm()
        scroll = QScrollArea()
        scroll.setWidget(self.form)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The whole form always shows; only its height scrolls on small screens.
        scroll.setMinimumWidth(self.form.sizeHint().width()
                               + scroll.verticalScrollBar().sizeHint().width() + 4)
        self.monitor = CrawlMonitor()
        self.past_box = PastCrawls()
        self.past_box.resume_requested.connect(self.resume)
        self.past_box.import_requested.connect(self._ask_import_folder)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addLayout(self._controls())
        rl.addWidget(self.monitor, 2)
        rl.addWidget(self.past_box, 2)
        splitter = QSplitter()
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(0, False)
        QVBoxLayout(self).addWidget(splitter)

        # The parts tests, the demo and the main window reach for.
        f, m = self.form, self.monitor
        self.tags, self.delay, self.concurrency, self.limit = f.tags, f.delay, f.concurrency, f.limit
        self.site_combo, self.base_url = f.site_combo, f.base_url
        self.min_height, self.size_original = f.min_height, f.size_original
        self.rating_checks, self.type_checks = f.rating_checks, f.type_checks
        self.log_view, self.counts_label, self.strip = m.log_view, m.counts_label, m.strip
        self.state_label, self.progress = m.state_label, m.progress
        self.past, self.resume_button = self.past_box.table, self.past_box.resume_button
        self.import_button = self.past_box.import_button
        self.set_base_url, self.query, self.options = f.set_base_url, f.query, f.options

        QShortcut(QKeySequence("Ctrl+Return"), self, self.start)
        QShortcut(QKeySequence("Ctrl+P"), self, self.toggle_pause)
        QShortcut(QKeySequence("Ctrl+."), self, self.stop)

    def _controls(self) -> QHBoxLayout:
        h = QHBoxLayout()
        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.stop_button = QPushButton("Stop")
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.stop_button.clicked.connect(self.stop)
        for b in (self.start_button, self.pause_button, self.stop_button):
            h.addWidget(b)
        h.addStretch(1)
        return h

    # -- running ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self.worker is not None or self.context.project is None:
            return
        query = self.query()
        if not query.tags and not query.limit:
            answer = self.ask_about_no_tags()
            if answer == CANCEL:
                return
            if answer == USE_SEED:
                self.form.use_seed_tags()
                query = self.query()
        f = self.form
        site, base_url, credentials, options = f.site, f.base_url_text, f.credentials(), f.options()
        project = self.context.project
        self.monitor.log(f"Starting: {SITES[site].title} at {base_url or SITES[site].default_base_url}, "
                         f"{query.describe()}.")
        self._run(lambda progress, cancelled: run_crawl(
            project, site, query, base_url=base_url, credentials=credentials, options=options,
            progress=progress, cancelled=cancelled), "Crawl")

    def ask_about_no_tags(self) -> str:
        """No tags and no limit would crawl the whole site: ask first (tests replace this)."""
        box = QMessageBox(QMessageBox.Icon.Question, "Crawl the whole site?",
                          "No tags are set, so this would download every post of the site "
                          "(hundreds of thousands of pictures). Use the GANime-FullBody tags "
                          f"({' '.join(SEED_TAGS)}) instead?", parent=self)
        seed = box.addButton("Use those tags", QMessageBox.ButtonRole.AcceptRole)
        everything = box.addButton("Crawl everything", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(seed)
        box.exec()
        clicked = box.clickedButton()
        return USE_SEED if clicked is seed else CRAWL_ALL if clicked is everything else CANCEL

    def resume(self, job_id: int) -> None:
        if self.worker is not None or self.context.project is None:
            return
        f, project = self.form, self.context.project
        credentials, options = f.credentials(), f.options()
        self.monitor.log(f"Resuming crawl {job_id}.")
        self._run(lambda progress, cancelled: run_crawl(
            project, "", None, credentials=credentials, options=options, progress=progress,
            cancelled=cancelled, resume_job=job_id), f"Crawl {job_id}")

    def resume_selected(self) -> None:
        job = self.past_box.selected_job()
        if job is not None:
            self.resume(job)

    def _run(self, job, name: str) -> None:
        self.job_id = None
        self.monitor.starting()
        self.worker = self.context.jobs.start(
            job, name, on_progress=self._on_progress, on_finished=self._on_finished,
            on_failed=self._on_failed, on_cancelled=self._on_cancelled)
        self.worker.paused_changed.connect(self._on_paused)
        self._set_running(True)

    def toggle_pause(self) -> None:
        if self.worker is None:
            return
        if self.worker.is_paused:
            self.worker.resume()
        else:
            self.worker.pause()

    def stop(self) -> None:
        if self.worker is not None:
            self.monitor.log("Stopping: the downloads in progress finish first.")
            self.worker.cancel()

    def _on_paused(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        self.monitor.log("Paused." if paused else "Resumed.")

    def _set_running(self, running: bool) -> None:
        has_project = self.context.project is not None
        self.start_button.setEnabled(not running and has_project)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.pause_button.setText("Pause")
        self.past_box.set_enabled(not running and has_project)

    def _ask_import_folder(self) -> None:
        project = self.context.project
        start = str(project.root.parent) if project is not None else ""  # beside the project
        folder = QFileDialog.getExistingDirectory(self, "Import images from a folder", start)
        if folder:
            self.import_folder(folder)

    def import_folder(self, folder: str) -> None:
        if self.worker is not None or self.context.project is None:
            return
        project = self.context.project
        self.monitor.log(f"Importing images from {folder}.")

        def job(progress, cancelled):
            with project.open_catalog() as catalog:
                return import_folder(project, catalog, folder, progress, cancelled)

        self.monitor.starting()
        self.worker = self.context.jobs.start(
            job, "Import", on_progress=self._on_import_progress,
            on_finished=lambda result: self._ended(result.describe()),
            on_failed=self._on_failed, on_cancelled=lambda: self._ended("Import stopped."))
        self._set_running(True)

    def _on_import_progress(self, done: int, total: int, message: str, _extra: dict) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.state_label.setText(message)

    # -- reports ---------------------------------------------------------------------------------
    def _on_progress(self, done: int, total: int, message: str, extra: dict) -> None:
        event = extra.get("event")
        if not isinstance(event, CrawlReport):
            return
        if event.job_id != self.job_id:
            self.job_id = event.job_id
            self.refresh_past()  # the running crawl joins the list at once
        self.monitor.show_report(done, total, event)
        self._announce_files(event.stats.downloaded)

    def _announce_files(self, downloaded: int) -> None:
        """Tell the other tabs that images arrived, at most every few seconds while crawling."""
        now = time.monotonic()
        if downloaded > self._announced_downloads and now - self._announced_at >= FILES_CHANGED_EVERY_S:
            self._announced_downloads, self._announced_at = downloaded, now
            self.context.files_changed.emit()

    def _ended(self, text: str) -> None:
        self._announced_downloads, self._announced_at = 0, time.monotonic()
        self.context.files_changed.emit()
        self.monitor.ended(text)
        self.worker = None
        self._set_running(False)
        self.refresh_past()

    def _on_finished(self, outcome) -> None:
        self._ended(outcome.reason)
        self.context.status(outcome.reason, 10_000)
        if outcome.state == "blocked":
            self.context.error("Crawl blocked", outcome.reason)

    def _on_cancelled(self) -> None:
        reason = "Stopped by the user. Resume the crawl from the list below to continue."
        if self.job_id is not None and self.context.catalog is not None:
            record = self.context.catalog.crawl(self.job_id)
            if record is not None and record.end_reason:
                reason = record.end_reason
        self._ended(reason)

    def _on_failed(self, message: str) -> None:
        self._ended(f"The crawl failed: {message}")
        self.context.error("Crawl failed", message)

    def _log(self, text: str) -> None:
        self.monitor.log(text)

    # -- project ---------------------------------------------------------------------------------
    def _on_project_changed(self, project) -> None:
        self._set_running(self.worker is not None)
        self.refresh_past()

    def refresh_past(self) -> None:
        catalog = self.context.catalog
        self.past_box.show_crawls(catalog.crawls() if catalog is not None else [])
