"""The Crawl tab: pick a site and tags, set filters, start / pause / resume / stop a crawl and watch it.

All crawling is ``ganime_gui.core.crawl``; this module builds the query from the form, runs the
crawl as a job and shows what it reports (counts, rate, ETA, the newest pictures, a plain log).
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
import time
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QImageReader, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QCheckBox, QComboBox,
                               QDoubleSpinBox, QFileDialog, QFormLayout, QGridLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QListView, QListWidget,
                               QListWidgetItem, QPlainTextEdit, QProgressBar, QPushButton,
                               QRadioButton, QScrollArea, QSpinBox, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ganime_gui.core.boorus import DEFAULT_SITE, KNOWN_HOSTS, SITES, Credentials, make_adapter
from ganime_gui.core.boorus.base import RATINGS
from ganime_gui.core.crawl import (SEED_TAGS, SUGGESTED_BLACKLIST, CrawlOptions, CrawlQuery,
                                   Crawler, parse_tag_list)
from ganime_gui.core.crawl.query import DEFAULT_FILE_TYPES
from ganime_gui.core.crawl.stats import CrawlStats
from ganime_gui.core.timefmt import format_eta
from ganime_gui.core.crawl.suggest import suggest_tags
from ganime_gui.core.importer import import_folder
from ganime_gui.ui.context import AppContext
from ganime_gui.ui.widgets.tag_input import TagInput

log = logging.getLogger("ganime.ui.crawl")

STRIP_SIZE = 30            # thumbnails kept in the live strip
# Other tabs hear about new images at most this often while a crawl runs.
FILES_CHANGED_EVERY_S = 5.0
THUMB_PX = 96


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
        self._thumb_pool = ThreadPoolExecutor(1, thread_name_prefix="crawl-thumbs")
        self._thumb_relay = _ThumbRelay(self)
        self._thumb_relay.ready.connect(self._show_thumb)
        self._build()
        self._on_site_changed()
        context.project_changed.connect(self._on_project_changed)
        self._on_project_changed(context.project)

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        form = QWidget()
        form_layout = QVBoxLayout(form)
        form_layout.addWidget(self._site_box())
        form_layout.addWidget(self._search_box())
        form_layout.addWidget(self._filter_box())
        form_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(form)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The whole form always shows; only its height scrolls on small screens.
        scroll.setMinimumWidth(form.sizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 4)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addLayout(self._controls())
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        rl.addWidget(self.progress)
        self.counts_label = QLabel("No crawl running.")
        self.counts_label.setObjectName("counts")
        self.rate_label = QLabel("")
        rl.addWidget(self.counts_label)
        rl.addWidget(self.rate_label)
        rl.addWidget(QLabel("Newest pictures"))
        self.strip = QListWidget()
        self.strip.setViewMode(QListView.ViewMode.IconMode)
        self.strip.setFlow(QListView.Flow.LeftToRight)
        self.strip.setWrapping(False)
        self.strip.setIconSize(QSize(THUMB_PX, THUMB_PX))
        self.strip.setFixedHeight(THUMB_PX + 34)
        self.strip.setGridSize(QSize(THUMB_PX + 8, THUMB_PX + 8))
        self.strip.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.strip.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.strip.setMovement(QListView.Movement.Static)
        rl.addWidget(self.strip)
        rl.addWidget(QLabel("What happened"))
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(1000)
        rl.addWidget(self.log_view, 2)
        rl.addWidget(self._past_box(), 2)

        splitter = QSplitter()
        splitter.addWidget(scroll)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(0, False)
        outer = QVBoxLayout(self)
        outer.addWidget(splitter)

        QShortcut(QKeySequence("Ctrl+Return"), self, self.start)
        QShortcut(QKeySequence("Ctrl+P"), self, self.toggle_pause)
        QShortcut(QKeySequence("Ctrl+."), self, self.stop)

    def _site_box(self) -> QGroupBox:
        box = QGroupBox("Site")
        f = QFormLayout(box)
        self.site_combo = QComboBox()
        for name, cls in SITES.items():
            self.site_combo.addItem(cls.title, name)
        self.site_combo.setCurrentIndex(list(SITES).index(DEFAULT_SITE))
        self.site_combo.currentIndexChanged.connect(self._on_site_changed)
        self.base_url = QComboBox()
        self.base_url.setEditable(True)
        self.base_url.setToolTip("Another instance of the same engine: a mirror, a self-hosted site, "
                                 "or the local fake booru.")
        self.base_url.currentTextChanged.connect(self._update_suggest_source)
        self.user_id = QLineEdit()
        self.api_key = QLineEdit()
        self.api_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_help = QLabel()
        self.key_help.setWordWrap(True)
        self.key_help.setStyleSheet("color: palette(mid);")
        f.addRow("Engine", self.site_combo)
        f.addRow("Base URL", self.base_url)
        f.addRow("User id", self.user_id)
        f.addRow("API key", self.api_key)
        f.addRow(self.key_help)
        return box

    def _search_box(self) -> QGroupBox:
        box = QGroupBox("Tags")
        v = QVBoxLayout(box)
        self.tags = TagInput()
        v.addWidget(self.tags)
        seed = QPushButton("Use the GANime-FullBody tags")
        seed.setToolTip(" ".join(SEED_TAGS))
        seed.clicked.connect(lambda: self.tags.set_tags(SEED_TAGS, self.tags.exclude_tags()))
        v.addWidget(seed)
        bl = QHBoxLayout()
        self.blacklist = QLineEdit()
        self.blacklist.setPlaceholderText("blacklist: posts with any of these tags are skipped")
        suggest = QPushButton("Suggested")
        suggest.setToolTip("Tags that rarely show one full-body figure: " + " ".join(SUGGESTED_BLACKLIST))
        suggest.clicked.connect(lambda: self.blacklist.setText(" ".join(SUGGESTED_BLACKLIST)))
        bl.addWidget(self.blacklist, 1)
        bl.addWidget(suggest)
        v.addLayout(bl)
        return box

    def _filter_box(self) -> QGroupBox:
        box = QGroupBox("Filters and size")
        g = QGridLayout(box)
        row = 0
        g.addWidget(QLabel("Ratings"), row, 0)
        ratings, self.rating_checks = _check_row(RATINGS, checked=("general",))
        g.addLayout(ratings, row, 1, 1, 3)
        row += 1
        g.addWidget(QLabel("Min width × height"), row, 0)
        self.min_width = _spin(0, 20000, 0, " px")
        self.min_height = _spin(0, 20000, 256, " px")
        g.addWidget(self.min_width, row, 1)
        g.addWidget(self.min_height, row, 2)
        row += 1
        g.addWidget(QLabel("Width / height"), row, 0)
        self.min_aspect = _dspin(0, 10, 0.0)
        self.max_aspect = _dspin(0, 10, 0.0)
        self.min_aspect.setToolTip("0: no lower bound. Standing full-body figures are about 0.3-0.8.")
        self.max_aspect.setToolTip("0: no upper bound.")
        g.addWidget(self.min_aspect, row, 1)
        g.addWidget(self.max_aspect, row, 2)
        row += 1
        g.addWidget(QLabel("File types"), row, 0)
        shown_types = [t for t in DEFAULT_FILE_TYPES if t != "jpeg"]   # jpg stands for both
        types, self.type_checks = _check_row(shown_types, checked=[t for t in shown_types if t != "gif"])
        g.addLayout(types, row, 1, 1, 3)
        row += 1
        g.addWidget(QLabel("Maximum posts"), row, 0)
        self.limit = _spin(0, 10_000_000, 0, "")
        self.limit.setSpecialValueText("all")
        g.addWidget(self.limit, row, 1)
        row += 1
        g.addWidget(QLabel("Download"), row, 0)
        self.size_original = QRadioButton("original")
        self.size_sample = QRadioButton("smallest ≥")
        self.size_sample.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.size_original)
        group.addButton(self.size_sample)
        self.sample_px = _spin(64, 4096, 256, " px")
        self.sample_px.setToolTip("Training uses 64-256 px: a sample saves most of the download.")
        g.addWidget(self.size_sample, row, 1)
        g.addWidget(self.sample_px, row, 2)
        g.addWidget(self.size_original, row, 3)
        row += 1
        g.addWidget(QLabel("Downloads at once"), row, 0)
        self.concurrency = _spin(1, 16, 4, "")
        g.addWidget(self.concurrency, row, 1)
        row += 1
        g.addWidget(QLabel("Seconds between requests"), row, 0)
        self.delay = _dspin(0, 30, 1.0)
        self.delay.setToolTip("Per host. Real sites ask for about 1 s; 0 only for a local server.")
        g.addWidget(self.delay, row, 1)
        return box

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
        self._set_running(False)
        return h

    def _past_box(self) -> QGroupBox:
        box = QGroupBox("Past crawls of this project")
        v = QVBoxLayout(box)
        self.past = QTableWidget(0, 5)
        self.past.setHorizontalHeaderLabels(["#", "Site", "Tags", "State", "How it ended"])
        self.past.verticalHeader().setVisible(False)
        self.past.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.past.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.past.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.past.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.past.doubleClicked.connect(lambda _i: self.resume_selected())
        v.addWidget(self.past)
        h = QHBoxLayout()
        self.resume_button = QPushButton("Resume selected")
        self.resume_button.clicked.connect(self.resume_selected)
        h.addWidget(self.resume_button)
        h.addStretch(1)
        self.import_button = QPushButton("Import a folder…")
        self.import_button.setToolTip("Add images you already have (an old crawl's <hash>.<ext> "
                                      "files, a dataset folder) to the project, hashed like crawled ones.")
        self.import_button.clicked.connect(self._ask_import_folder)
        h.addWidget(self.import_button)
        v.addLayout(h)
        return box

    # -- form ------------------------------------------------------------------------------------
    @property
    def site(self) -> str:
        return self.site_combo.currentData()

    def _on_site_changed(self) -> None:
        cls = SITES[self.site]
        self.base_url.blockSignals(True)
        self.base_url.clear()
        self.base_url.addItems(KNOWN_HOSTS.get(self.site, [cls.default_base_url]))
        self.base_url.blockSignals(False)
        needs = cls.needs_credentials
        self.user_id.setPlaceholderText("required" if needs else "optional")
        self.api_key.setPlaceholderText("required" if needs else "optional")
        self.key_help.setText(cls.credential_help or "No key needed.")
        self.delay.setValue(cls.polite_interval_s)
        self._update_suggest_source()

    def set_base_url(self, url: str) -> None:
        self.base_url.setEditText(url)
        self._update_suggest_source()

    def _credentials(self) -> Credentials:
        return Credentials(self.user_id.text().strip(), self.api_key.text().strip())

    def _update_suggest_source(self) -> None:
        try:
            adapter = make_adapter(self.site, self.base_url.currentText().strip() or None,
                                   self._credentials())
        except Exception:  # noqa: BLE001 - half-typed URL: no suggestions until it is whole
            self.tags.set_suggest_source(None)
            return
        self.tags.set_suggest_source(lambda prefix, a=adapter: suggest_tags(a, prefix))

    def query(self) -> CrawlQuery:
        self.tags.commit_text()
        return CrawlQuery(
            tags=self.tags.include_tags(), exclude=self.tags.exclude_tags(),
            blacklist=parse_tag_list(self.blacklist.text()),
            ratings=[r for r, cb in self.rating_checks.items() if cb.isChecked()],
            min_width=self.min_width.value(), min_height=self.min_height.value(),
            min_aspect=self.min_aspect.value(), max_aspect=self.max_aspect.value(),
            file_types=[t for t, cb in self.type_checks.items() if cb.isChecked()]
            + (["jpeg"] if self.type_checks["jpg"].isChecked() else []),
            limit=self.limit.value(),
            size="sample" if self.size_sample.isChecked() else "original",
            sample_min_px=self.sample_px.value())

    def options(self) -> CrawlOptions:
        return CrawlOptions(concurrency=self.concurrency.value(), interval_s=self.delay.value())

    # -- running ---------------------------------------------------------------------------------
    def start(self) -> None:
        if self.worker is not None or self.context.project is None:
            return
        query = self.query()
        site, base_url = self.site, self.base_url.currentText().strip() or None
        credentials, options, project = self._credentials(), self.options(), self.context.project
        self._log(f"Starting: {SITES[site].title} at {base_url or SITES[site].default_base_url}, "
                  f"{query.describe()}.")

        def job(progress, cancelled):
            with project.open_catalog() as catalog:
                crawler = Crawler.new(project, catalog, site, query, base_url, credentials, options)
                return crawler(progress, cancelled)

        self._run(job, "Crawl")

    def resume_selected(self) -> None:
        row = self.past.currentRow()
        if self.worker is not None or row < 0 or self.context.project is None:
            return
        job_id = int(self.past.item(row, 0).text())
        credentials, options, project = self._credentials(), self.options(), self.context.project
        self._log(f"Resuming crawl {job_id}.")

        def job(progress, cancelled):
            with project.open_catalog() as catalog:
                return Crawler.resume(project, catalog, job_id, credentials, options)(progress, cancelled)

        self._run(job, f"Crawl {job_id}")

    def _run(self, job, name: str) -> None:
        self.job_id = None
        self.progress.setRange(0, 0)
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
            self._log("Stopping: the downloads in progress finish first.")
            self.worker.cancel()

    def _on_paused(self, paused: bool) -> None:
        self.pause_button.setText("Resume" if paused else "Pause")
        self._log("Paused." if paused else "Resumed.")

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running and self.context.project is not None)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.pause_button.setText("Pause")
        if hasattr(self, "resume_button"):
            self.resume_button.setEnabled(not running and self.context.project is not None)
            self.import_button.setEnabled(not running and self.context.project is not None)

    def _ask_import_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import images from a folder")
        if folder:
            self.import_folder(folder)

    def import_folder(self, folder: str) -> None:
        if self.worker is not None or self.context.project is None:
            return
        project = self.context.project
        self._log(f"Importing images from {folder}.")

        def job(progress, cancelled):
            with project.open_catalog() as catalog:
                return import_folder(project, catalog, folder, progress, cancelled)

        self.progress.setRange(0, 0)
        self.worker = self.context.jobs.start(
            job, "Import", on_progress=self._on_import_progress,
            on_finished=lambda result: self._ended(result.describe()),
            on_failed=self._on_failed, on_cancelled=lambda: self._ended("Import stopped."))
        self._set_running(True)

    def _on_import_progress(self, done: int, total: int, message: str, _extra: dict) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        self.rate_label.setText(message)

    # -- reports ---------------------------------------------------------------------------------
    def _on_progress(self, done: int, total: int, message: str, extra: dict) -> None:
        if extra.get("job_id") is not None and extra["job_id"] != self.job_id:
            self.job_id = extra["job_id"]
            self.refresh_past()  # the running crawl joins the list at once
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        stats = extra.get("stats")
        if stats is not None:
            stats = CrawlStats.from_json(stats)
            self.show_stats(stats, extra.get("rate", 0.0), extra.get("eta_s"))
            self._announce_files(stats.downloaded)
        for line in extra.get("events") or ():
            self._log(line)
        thumbs = extra.get("thumbs") or []
        for path in thumbs[-6:]:
            self._add_thumb(path)

    def show_stats(self, s: CrawlStats, rate: float, eta_s) -> None:
        self.counts_label.setText(
            f"Listed {s.listed}{f' of {s.total}' if s.total is not None else ''} · "
            f"filtered out {s.filtered} · downloaded {s.downloaded} · already had {s.had} · "
            f"failed {s.failed}")
        self.rate_label.setText(f"{rate:.1f} posts/s · {format_eta(eta_s)}")

    def _add_thumb(self, path: str) -> None:
        """Decode off the UI thread (a large PNG takes tens of ms); the strip adds it when ready."""
        self._thumb_pool.submit(_read_thumb, path, self._thumb_relay)

    def _show_thumb(self, path: str, image: QImage) -> None:
        item = QListWidgetItem(QIcon(QPixmap.fromImage(image)), "")
        item.setToolTip(Path(path).name)
        self.strip.insertItem(0, item)
        while self.strip.count() > STRIP_SIZE:
            self.strip.takeItem(self.strip.count() - 1)

    def _announce_files(self, downloaded: int) -> None:
        """Tell the other tabs that images arrived, at most every few seconds while crawling."""
        now = time.monotonic()
        if downloaded > self._announced_downloads and now - self._announced_at >= FILES_CHANGED_EVERY_S:
            self._announced_downloads, self._announced_at = downloaded, now
            self.context.files_changed.emit()

    def _ended(self, text: str) -> None:
        self._announced_downloads, self._announced_at = 0, time.monotonic()
        self.context.files_changed.emit()
        if not self.log_view.toPlainText().rstrip().endswith(text):  # the crawl may have said it
            self._log(text)
        self.worker = None
        self._set_running(False)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
        self.rate_label.setText("Not running.")
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
        self.log_view.appendPlainText(text)

    # -- project ---------------------------------------------------------------------------------
    def _on_project_changed(self, project) -> None:
        self._set_running(self.worker is not None)
        self.refresh_past()

    def refresh_past(self) -> None:
        catalog = self.context.catalog
        crawls = catalog.crawls() if catalog is not None else []
        self.past.setRowCount(len(crawls))
        for row, job in enumerate(crawls):
            tags = " ".join(job.query.get("tags", []) + [f"-{t}" for t in job.query.get("exclude", [])])
            state = "interrupted" if job.state == "running" and self.worker is None else job.state
            for col, text in enumerate((str(job.id), job.site, tags or "(all)", state,
                                        job.end_reason or "")):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.past.setItem(row, col, item)
        self.past.resizeColumnsToContents()
        self.past.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)


class _ThumbRelay(QObject):
    ready = Signal(str, QImage)   # emitted from the decoding thread, delivered in the UI thread


def _read_thumb(path: str, relay: _ThumbRelay) -> None:
    reader = QImageReader(path)
    size = reader.size()
    if size.isValid():
        size.scale(THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio)
        reader.setScaledSize(size)  # JPEGs decode at a fraction of the cost
    image = reader.read()
    if not image.isNull():
        try:
            relay.ready.emit(path, image)
        except RuntimeError:  # the tab is gone
            pass


def _check_row(names, checked) -> tuple[QHBoxLayout, dict[str, QCheckBox]]:
    row, boxes = QHBoxLayout(), {}
    for name in names:
        boxes[name] = QCheckBox(name)
        boxes[name].setChecked(name in checked)
        row.addWidget(boxes[name])
    return row, boxes


def _spin(low: int, high: int, value: int, suffix: str) -> QSpinBox:
    s = QSpinBox()
    s.setRange(low, high)
    s.setValue(value)
    s.setSuffix(suffix)
    return s


def _dspin(low: float, high: float, value: float) -> QDoubleSpinBox:
    s = QDoubleSpinBox()
    s.setRange(low, high)
    s.setDecimals(2)
    s.setSingleStep(0.1)
    s.setValue(value)
    return s
