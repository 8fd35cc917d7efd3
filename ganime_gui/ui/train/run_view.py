"""A training run as it happens: Train/Stop, progress and ETA (``RunControls``), and the live plots
of accuracy and loss per batch and per epoch (``TrainingPlots``). Both read the typed events of
``core.classify.train``; the plots draw through ``LivePlot``'s own buffered redraw."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from ganime_gui.core.classify.train import BatchEnd, EarlyStop, EpochEnd
from ganime_gui.core.classify.weights import WeightsDownload
from ganime_gui.core.timefmt import format_duration
from ganime_gui.ui.widgets.live_plot import LivePlot

# No point symbols: pyqtgraph draws each in Python, which made every repaint several times slower
# while a worker thread was training (the UI thread waits for the GIL at each one).
SERIES = (("train (batch)", "#9ecae1", None), ("train", "#1f77b4", None), ("validation", "#d62728", None))
NO_EPOCH = "Epoch –  ·  ETA –"
TEXT_REFRESH_MS = 250  # batch texts are shown at most this often


class TrainingPlots(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.acc_plot = LivePlot("Accuracy", "epoch", "accuracy")
        self.loss_plot = LivePlot("Loss", "epoch", "loss")
        for plot in (self.acc_plot, self.loss_plot):
            for name, color, symbol in SERIES:
                plot.add_series(name, color, symbol)
        self.acc_plot.plot.setYRange(0, 1.02)
        # Accuracy climbs to 1.0 under a top-right legend: put that one bottom right.
        self.acc_plot.legend.anchor(itemPos=(1, 1), parentPos=(1, 1), offset=(-10, -10))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.acc_plot)
        row.addWidget(self.loss_plot)

    def clear(self) -> None:
        self.acc_plot.clear()
        self.loss_plot.clear()

    def _append(self, series: str, x: float, acc: float, loss: float) -> None:
        self.acc_plot.append(series, x, acc)
        self.loss_plot.append(series, x, loss)

    def add_batch(self, e: BatchEnd) -> None:
        self._append("train (batch)", e.epoch - 1 + e.batch / e.batches, e.batch_accuracy, e.batch_loss)

    def add_epoch(self, e: EpochEnd) -> None:
        self._append("train", e.epoch, e.accuracy, e.loss)
        self._append("validation", e.epoch, e.val_accuracy, e.val_loss)
        self.redraw()  # epoch points show at once

    def show_history(self, history: list[dict]) -> None:
        """A saved model's epochs (its sidecar's ``history``)."""
        self.clear()
        for h in history:
            self._append("train", h["epoch"], h["accuracy"], h["loss"])
            self._append("validation", h["epoch"], h["val_accuracy"], h["val_loss"])
        self.redraw()

    def redraw(self) -> None:
        self.acc_plot.redraw()
        self.loss_plot.redraw()


class RunControls(QWidget):
    """Train and Stop, the progress bar, the epoch/ETA line and the status line."""

    def __init__(self, parent=None):
        super().__init__(parent)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after this batch; the best epoch so far is saved")
        row.addWidget(self.train_button)
        row.addWidget(self.stop_button)
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(True)
        self.epoch_label = QLabel(NO_EPOCH)
        self.epoch_label.setWordWrap(True)  # a long early-stop line must not widen the column
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        col.addLayout(row)
        for w in (self.progress_bar, self.epoch_label, self.status_label):
            col.addWidget(w)
        self._pending: tuple[int, int, str, BatchEnd] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TEXT_REFRESH_MS)
        self._timer.timeout.connect(self.flush)

    def reset(self) -> None:
        self._pending = None
        self.epoch_label.setText(NO_EPOCH)

    def queue_batch(self, done: int, total: int, message: str, e: BatchEnd) -> None:
        """Batches can come 100 times a second and a word-wrapped label re-lays out the column each
        time it is set: keep the latest and show it at most every ``TEXT_REFRESH_MS``."""
        self._pending = (done, total, message, e)
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        if self._pending is not None:
            done, total, message, e = self._pending
            self._pending = None
            self.status_label.setText(message)
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(done)
            self.epoch_label.setText(f"Epoch {e.epoch}/{e.epochs}  ·  batch {e.batch}/{e.batches}  ·  "
                                     f"ETA {format_duration(e.eta_s)}")

    def show_progress(self, done: int, total: int, message: str, event) -> None:
        """Any report but a batch's (those go through ``queue_batch``)."""
        self._pending = None
        if message:
            self.status_label.setText(message)
        if total:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(done)
        else:
            self.progress_bar.setRange(0, 0)  # busy
        if isinstance(event, WeightsDownload):
            mb = f"{done / 1e6:.1f} / {total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
            self.progress_bar.setFormat(mb)
            return
        self.progress_bar.setFormat("%p%")
        if isinstance(event, EpochEnd):
            self.epoch_label.setText(f"Epoch {event.epoch}/{event.epochs} done  ·  val accuracy "
                                     f"{event.val_accuracy:.1%}  ·  ETA {format_duration(event.eta_s)}")
        elif isinstance(event, EarlyStop):
            self.epoch_label.setText(f"Early stop after epoch {event.epoch}: kept epoch {event.best_epoch} "
                                     "(lowest validation loss)")

    def finish(self, has_model: bool) -> None:
        self._pending = None
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1 if has_model else 0)
