"""Run core jobs in QThreads and turn their callbacks into Qt signals.

A core job is ``job(progress, cancelled)`` (see ``ganime_gui.core.jobs``). ``JobWorker`` runs one in
its own QThread; ``JobRunner`` keeps the running ones so the window can stop them all on quit.
Pausing is free for every job: while paused, the job's next ``cancelled()`` check blocks until
resumed (or cancelled), so a job only has to check the flag between steps. A stopped job either
raises ``JobCancelled`` (the ``cancelled`` signal) or returns what it has (``finished``).
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
import traceback
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal

from ganime_gui.core.jobs import Job, JobCancelled, UserError

log = logging.getLogger("ganime.workers")

# Plain progress messages closer together than this are coalesced; the UI can't show more.
_MIN_PROGRESS_INTERVAL_S = 0.03


def describe_error(name: str, exc: BaseException) -> str:
    """The message a user sees for a failed job."""
    if isinstance(exc, UserError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return f"{name} ran out of memory. Try a smaller batch or image size."
    if (isinstance(exc, OSError) and getattr(exc, "errno", None) == 28) or \
            (isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)):
        return f"{name} stopped: the disk is full. Free some space and start it again."
    return (f"{name} failed: {type(exc).__name__}: {exc}. "
            f"The details are in the project's log (logs/ganime.log).")


class _JobThread(QThread):
    def __init__(self, worker: "JobWorker"):
        super().__init__()
        self._worker = worker

    def run(self) -> None:  # runs in the new thread
        self._worker._run()


class JobWorker(QObject):
    progress = Signal(int, int, str, dict)   # done, total, message, extra
    finished = Signal(object)                # the job's return value
    failed = Signal(str)                     # a message for the user
    cancelled = Signal()
    ended = Signal()                         # after any of the three above
    paused_changed = Signal(bool)

    def __init__(self, job: Job, name: str, parent: QObject | None = None):
        super().__init__(parent)
        self.job = job
        self.name = name
        self._cancel = threading.Event()
        self._resume = threading.Event()
        self._resume.set()
        self._last_emit = 0.0
        self._thread = _JobThread(self)
        self._thread.finished.connect(self.ended)

    # -- control (UI thread) ---------------------------------------------------------------------
    def start(self) -> "JobWorker":
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()
        self._resume.set()  # a paused job must wake up to see the cancel

    def pause(self) -> None:
        if self.is_running() and self._resume.is_set():
            self._resume.clear()
            self.paused_changed.emit(True)

    def resume(self) -> None:
        if not self._resume.is_set():
            self._resume.set()
            self.paused_changed.emit(False)

    @property
    def is_paused(self) -> bool:
        return not self._resume.is_set()

    @property
    def is_cancelling(self) -> bool:
        return self._cancel.is_set()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self, timeout_ms: int = -1) -> bool:
        return self._thread.wait(timeout_ms) if timeout_ms >= 0 else self._thread.wait()

    # -- the job's side (worker thread) ----------------------------------------------------------
    def _is_cancelled(self) -> bool:
        self._resume.wait()
        return self._cancel.is_set()

    def _report(self, done: int, total: int, message: str = "", **extra: Any) -> None:
        now = time.monotonic()
        if not extra and done != total and now - self._last_emit < _MIN_PROGRESS_INTERVAL_S:
            return
        self._last_emit = now
        try:
            self.progress.emit(int(done), int(total), str(message), extra)
        except RuntimeError:  # the receiver was deleted during shutdown
            pass

    def _run(self) -> None:
        try:
            result = self.job(self._report, self._is_cancelled)
        except JobCancelled:
            log.info("%s: stopped by the user", self.name)
            self._emit(self.cancelled)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the user
            log.error("%s failed:\n%s", self.name, traceback.format_exc())
            self._emit(self.failed, describe_error(self.name, exc))
        else:
            # A job that stops early but still returns (a crawl's "stopped" outcome, the best
            # epoch so far) finishes with that result; only JobCancelled means "nothing to show".
            self._emit(self.finished, result)

    @staticmethod
    def _emit(signal, *args) -> None:
        try:
            signal.emit(*args)
        except RuntimeError:
            pass


class JobRunner(QObject):
    """Starts jobs and keeps track of the running ones."""

    job_started = Signal(object)
    job_ended = Signal(object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._workers: list[JobWorker] = []

    def start(self, job: Job, name: str, *,
              on_progress: Callable | None = None, on_finished: Callable | None = None,
              on_failed: Callable | None = None, on_cancelled: Callable | None = None) -> JobWorker:
        worker = JobWorker(job, name, self)
        for signal, slot in ((worker.progress, on_progress), (worker.finished, on_finished),
                             (worker.failed, on_failed), (worker.cancelled, on_cancelled)):
            if slot is not None:
                signal.connect(slot)
        worker.ended.connect(lambda w=worker: self._forget(w))
        self._workers.append(worker)
        worker.start()
        self.job_started.emit(worker)
        return worker

    def running(self) -> list[JobWorker]:
        return [w for w in self._workers if w.is_running()]

    def stop_all(self, timeout_ms: int = 10_000) -> bool:
        """Cancel every job and wait for its thread. True when all ended in time."""
        workers = list(self._workers)
        for w in workers:
            w.cancel()
        deadline = time.monotonic() + timeout_ms / 1000
        ok = True
        for w in workers:
            remaining = max(0, int((deadline - time.monotonic()) * 1000))
            ok = w.wait(remaining) and ok
        return ok

    def _forget(self, worker: JobWorker) -> None:
        if worker in self._workers:
            self._workers.remove(worker)
        self.job_ended.emit(worker)
        worker.setParent(None)  # Python owns it now; it goes when the last reference does
