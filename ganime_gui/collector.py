"""Python's cyclic garbage collector, run on the UI thread only.

CPython runs its collector on whichever thread allocates when a threshold is crossed. While a job
trains, that is mostly the job's thread (Keras tracing allocates by the thousand), and a Qt object
caught in a reference cycle is then deleted there, off the thread it lives on: a crash or a hang
(seen in the GUI tests: a finished job's worker freed while the next job traced). pyqtgraph
ships the same guard (``pyqtgraph.util.garbage_collector``). Here the automatic collector is off
and a timer on the UI thread runs the collections CPython would have run, by the same thresholds.

Two things keep those collections short, since they now stall the UI: a full collection runs at
most every ``FULL_EVERY_S``, and once TensorFlow is imported its ~250 000 module objects are moved
out of the collector's sight (``gc.freeze``): they live until exit and would otherwise be
scanned by every full collection (1.1 s in one measurement with the window loaded, on a busy
2-core CPU).
"""
from __future__ import annotations

import gc
import logging
import sys
import time

from PySide6.QtCore import QObject, QTimer

log = logging.getLogger("ganime.collector")

TICK_MS = 500
FULL_EVERY_S = 60.0


class UiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, tick_ms: int = TICK_MS):
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self._last_full = time.monotonic()
        self._froze_tensorflow = False
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(tick_ms)
        gc.disable()

    def check(self) -> None:
        """Run the collections that are due (called by the timer on the UI thread)."""
        if not self._froze_tensorflow and _tensorflow_imported():
            self._froze_tensorflow = True
            gc.collect()
            gc.freeze()
            self._last_full = time.monotonic()
            log.debug("TensorFlow imported: %d objects frozen out of the collector", gc.get_freeze_count())
            return
        count0, count1, count2 = gc.get_count()
        t0, t1, t2 = self.thresholds
        if count0 <= t0:
            return
        if count1 <= t1:
            gc.collect(0)
        elif count2 <= t2 or time.monotonic() - self._last_full < FULL_EVERY_S:
            gc.collect(1)
        else:
            gc.collect(2)
            self._last_full = time.monotonic()

    def stop(self) -> None:
        """Hand collection back to CPython (tests; the app keeps it until exit)."""
        self._timer.stop()
        gc.enable()


def _tensorflow_imported() -> bool:
    """TensorFlow's import finished (it runs on a job's thread: the module is in sys.modules from
    the start of the import, its ``function`` attribute only near the end)."""
    tf = sys.modules.get("tensorflow")
    return tf is not None and hasattr(tf, "function") and "keras" in sys.modules


def install(app: QObject) -> UiThreadCollector:
    """The app's one collector, owned by ``app`` (the QApplication)."""
    existing = app.findChild(UiThreadCollector)
    return existing if existing is not None else UiThreadCollector(app)
