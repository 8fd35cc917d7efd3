"""What a running crawl shows: the progress bar, the counters, a state line that counts down a
retry, the newest pictures and a plain log. It only shows :class:`CrawlReport` events."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtGui import QIcon, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (QLabel, QListView, QListWidget, QListWidgetItem, QPlainTextEdit,
                               QProgressBar, QVBoxLayout, QWidget)

from ganime_gui.core.crawl.events import CrawlReport
from ganime_gui.core.crawl.stats import CrawlStats
from ganime_gui.core.timefmt import format_eta
from ganime_gui.workers import run_in_background

STRIP_SIZE = 30            # thumbnails kept in the live strip
THUMB_PX = 96
NOT_RUNNING = "Not running."


class CrawlMonitor(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.counts_label = QLabel("No crawl running.")
        self.counts_label.setObjectName("counts")
        self.state_label = QLabel(NOT_RUNNING)
        self.state_label.setObjectName("crawlState")
        self.state_label.setWordWrap(True)
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
        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(1000)
        for w in (self.progress, self.counts_label, self.state_label, QLabel("Newest pictures"),
                  self.strip, QLabel("What happened")):
            layout.addWidget(w)
        layout.addWidget(self.log_view, 1)
        self._retry_left = 0
        self._rate_text = ""
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)

    # -- reports ---------------------------------------------------------------------------------
    def show_report(self, done: int, total: int, event: CrawlReport) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
        self.show_stats(event.stats)
        self._rate_text = f"{event.rate:.1f} posts/s · {format_eta(event.eta_s)}"
        for line in event.lines:
            self.log(line)
        for path in event.thumbs[-6:]:
            self._add_thumb(path)
        if event.waiting_s:
            self._retry_left = max(1, round(event.waiting_s))
            self._countdown.start()
        elif self._countdown.isActive():
            self._countdown.stop()
            self._retry_left = 0
        self._show_state()

    def show_stats(self, s: CrawlStats) -> None:
        self.counts_label.setText(
            f"Listed {s.listed}{f' of {s.total}' if s.total is not None else ''} · "
            f"filtered out {s.filtered} · downloaded {s.downloaded} · already had {s.had} · "
            f"failed {s.failed}")

    def _tick(self) -> None:
        self._retry_left -= 1
        if self._retry_left <= 0:
            self._countdown.stop()
        self._show_state()

    def _show_state(self) -> None:
        if self._retry_left > 0:
            self.state_label.setText(f"Retrying in {self._retry_left} s · {self._rate_text}")
        else:
            self.state_label.setText(self._rate_text or "Running.")

    def starting(self) -> None:
        self.progress.setRange(0, 0)
        self._rate_text = ""
        self.state_label.setText("Starting…")

    def ended(self, text: str) -> None:
        self._countdown.stop()
        self._retry_left = 0
        if not self.log_view.toPlainText().rstrip().endswith(text):  # the crawl may have said it
            self.log(text)
        if self.progress.maximum() == 0:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
        self.state_label.setText(f"{NOT_RUNNING} {text}")

    def log(self, text: str) -> None:
        self.log_view.appendPlainText(text)

    # -- thumbnails ------------------------------------------------------------------------------
    def _add_thumb(self, path: str) -> None:
        """Decode off the GUI thread (a large PNG takes tens of ms); the strip adds it when ready."""
        run_in_background(_read_thumb, path, receiver=self,
                          on_result=lambda image: self._show_thumb(path, image))

    def _show_thumb(self, path: str, image: QImage | None) -> None:
        if image is None:
            return
        item = QListWidgetItem(QIcon(QPixmap.fromImage(image)), "")
        item.setToolTip(Path(path).name)
        self.strip.insertItem(0, item)
        while self.strip.count() > STRIP_SIZE:
            self.strip.takeItem(self.strip.count() - 1)


def _read_thumb(path: str) -> QImage | None:
    reader = QImageReader(path)
    size = reader.size()
    if size.isValid():
        size.scale(THUMB_PX, THUMB_PX, Qt.AspectRatioMode.KeepAspectRatio)
        reader.setScaledSize(size)  # JPEGs decode at a fraction of the cost
    image = reader.read()
    return None if image.isNull() else image
