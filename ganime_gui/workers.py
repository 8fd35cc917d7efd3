"""The one way the app runs work off the UI thread; every result comes back on the UI thread.

Three kinds of work, one module:

* **Long jobs** -- a core job ``job(progress, cancelled)`` (see ``ganime_gui.core.jobs``).
  ``JobWorker`` runs one in its own QThread; ``JobRunner`` keeps the running ones so the window can
  stop them all on quit. Pausing is free for every job: while paused, the job's next
  ``cancelled()`` check blocks until resumed (or cancelled), so a job only has to check the flag
  between steps. A stopped job either raises ``JobCancelled`` (the ``cancelled`` signal) or
  returns what it has (``finished``). ``progress`` carries the job's extras untouched: an
  ``event=SomeEvent(...)`` arrives in the slot as the very object the job made.
* **Pools of short calls** -- ``TaskPool``: a few threads working through a queue, oldest or
  newest first (thumbnails: what is on screen now before what was scrolled past), with a bound on
  the queue, one queued call per key, and ``discard_pending()`` that also drops the results of
  calls still running (another project was opened).
* **One-shot calls** -- ``run_in_background(fn, *args, on_result=..., on_error=...)`` runs one
  call on the app's shared pool; ``await call_async(fn, *args)`` is the same for a coroutine on
  the qasync loop (light I/O such as a tag lookup: the blocking request runs on the pool, the
  coroutine resumes on the UI thread).

A receiver that went away is handled in one place: ``safe_emit`` (a signal whose C++ object was
deleted, typically during shutdown) and ``alive`` (a ``receiver=`` object deleted before the
result arrived: its callbacks are skipped).

Why not superqt's ``thread_worker``: its workers are QRunnables left on auto-delete in the global
QThreadPool (the double-free pattern the architecture notes warn about), pause and abort need
generator jobs rather than the ``job(progress, cancelled)`` contract the CLI shares, and it adds
superqt and qtpy to a fresh install for what these few classes do.
"""
from __future__ import annotations

import asyncio
import collections
import functools
import itertools
import logging
import os
import sqlite3
import threading
import time
import traceback
import weakref
from typing import Any, Callable, Hashable

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal

from ganime_gui.core.jobs import Job, JobCancelled, UserError

log = logging.getLogger("ganime.workers")

# Plain progress messages closer together than this are coalesced; the UI can't show more.
_MIN_PROGRESS_INTERVAL_S = 0.03


def safe_emit(signal, *args: Any) -> bool:
    """Emit from any thread; False when the signal's object was deleted (the receiver went away,
    usually during shutdown). The app's one guard for that case. Pass ``obj.signal`` fetched at
    emit time: a signal instance kept from before the deletion crashes instead of raising."""
    try:
        signal.emit(*args)
    except RuntimeError:
        return False
    return True


def alive(obj: QObject | None) -> bool:
    """Whether a receiver still exists: None (no receiver) counts as alive."""
    return obj is None or shiboken6.isValid(obj)


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
    """Holds its worker weakly. A worker <-> thread reference cycle leaves both to Python's cyclic
    collector, which frees them on whichever thread it happens to run, such as the next job's
    thread while Keras traces (Qt objects must go on their own thread). While the job runs, the
    runner's list keeps the worker; it lets go on the UI thread, after ``ended``."""

    def __init__(self, worker: "JobWorker"):
        super().__init__()
        self._worker = weakref.ref(worker)

    def run(self) -> None:  # runs in the new thread
        worker = self._worker()
        if worker is not None:
            worker._run()


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
        self._last_emit = float("-inf")  # not 0.0: monotonic() may be near 0 after boot
        self._started = self._ended = False
        self._thread = _JobThread(self)
        self._thread.finished.connect(self._on_thread_finished)

    # -- control (UI thread) ---------------------------------------------------------------------
    def start(self) -> "JobWorker":
        self._started = True
        self._thread.start()
        return self

    def _on_thread_finished(self) -> None:  # UI thread, after the job's last signal was delivered
        self._ended = True
        self.ended.emit()

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
        """From ``start()`` until ``ended`` reaches the UI thread. The thread itself stops a moment
        before the job's last signal (its result) is delivered: by this measure a slot or a
        test never sees a job that is over while its result is still on the way."""
        return self._started and not self._ended

    def thread_alive(self) -> bool:
        """The job's thread is still running (what quitting has to wait for)."""
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
        safe_emit(self.progress, int(done), int(total), str(message), extra)

    def _run(self) -> None:
        try:
            result = self.job(self._report, self._is_cancelled)
        except JobCancelled:
            log.info("%s: stopped by the user", self.name)
            safe_emit(self.cancelled)
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the user
            log.error("%s failed:\n%s", self.name, traceback.format_exc())
            safe_emit(self.failed, describe_error(self.name, exc))
        else:
            # A job that stops early but still returns (a crawl's "stopped" outcome, the best
            # epoch so far) finishes with that result; only JobCancelled means "nothing to show".
            safe_emit(self.finished, result)


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
        # Weakly: a lambda holding the worker, kept by its own signal, would keep it forever.
        worker.ended.connect(functools.partial(self._forget, weakref.ref(worker)))
        self._workers.append(worker)
        worker.start()
        self.job_started.emit(worker)
        return worker

    def running(self) -> list[JobWorker]:
        """The jobs whose threads still run."""
        return [w for w in self._workers if w.thread_alive()]

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

    def _forget(self, ref: "weakref.ref[JobWorker]") -> None:
        worker = ref()
        if worker is None:
            return
        if worker in self._workers:
            self._workers.remove(worker)
        self.job_ended.emit(worker)
        worker.setParent(None)  # Python owns it now; it goes when the last reference does


# -- pools of short calls and one-shot calls ---------------------------------------------------------

class Task:
    """One call submitted to a :class:`TaskPool`; ``key`` is what the caller named it by. The
    receiver is held weakly, so a worker thread never holds the last reference to a QObject."""

    __slots__ = ("pool", "fn", "args", "key", "on_result", "on_error", "receiver", "generation")

    def __init__(self, pool: "TaskPool", fn: Callable, args: tuple, key: Hashable,
                 on_result: Callable | None, on_error: Callable | None, receiver: QObject | None,
                 generation: int):
        self.pool, self.fn, self.args, self.key = pool, fn, args, key
        self.on_result, self.on_error = on_result, on_error
        self.receiver = _weak(receiver)
        self.generation = generation

    def receiver_alive(self) -> bool:
        return _still_there(self.receiver)


def _weak(receiver: QObject | None):
    """A weak reference to a receiver (None for none): a worker never keeps a QObject alive."""
    return None if receiver is None else weakref.ref(receiver)


def _still_there(ref) -> bool:
    """Whether a receiver held by :func:`_weak` still exists (no receiver: always)."""
    if ref is None:
        return True
    obj = ref()
    return obj is not None and alive(obj)


class _Relay(QObject):
    """Carries every pool's results to the UI thread (queued). One for the app's life: a pool is
    a plain object, so the thread that drops its last reference never deletes a QObject."""

    delivered = Signal(object, int, bool, object)   # pool, delivery number, ok, result or exception

    def __init__(self, parent: QObject):
        super().__init__(parent)
        self.delivered.connect(self._deliver)

    @staticmethod
    def _deliver(pool: "TaskPool", number: int, ok: bool, value: Any) -> None:
        pool._deliver(number, ok, value)


_relay: _Relay | None = None


def _ui_relay() -> _Relay:
    global _relay
    if _relay is None or not alive(_relay):
        app = QCoreApplication.instance()
        if app is None or QThread.currentThread() is not app.thread():
            raise RuntimeError("background calls are started from the QApplication's thread")
        _relay = _Relay(app)
    return _relay


class TaskPool:
    """Short calls on up to ``threads`` threads; each result comes back on the UI thread.

    Make it on the UI thread. Threads start when there is work and end when the queue is empty.
    ``newest_first`` serves the latest submission first; ``max_pending`` drops the oldest waiting
    calls beyond it. A call submitted with a ``key`` that is already waiting moves to the front of
    the line instead of queueing twice; one whose key is running is not queued again. A failure
    goes to ``on_error`` (the exception), else to the log.
    """

    def __init__(self, threads: int | None = None, *, newest_first: bool = False,
                 max_pending: int | None = None, name: str = "pool"):
        self.max_threads = max(1, threads or os.cpu_count() or 1)
        self.newest_first = newest_first
        self.max_pending = max_pending
        self.name = name
        self._relay = _ui_relay()
        self._lock = threading.Condition()
        self._queue: collections.OrderedDict[Hashable, Task] = collections.OrderedDict()
        self._running: dict[Hashable, Task] = {}
        # Finished calls waiting for the UI thread: it, not a worker, drops the task (and the
        # callbacks' references) once they ran.
        self._finished: dict[int, Task] = {}
        self._deliveries = itertools.count()
        self._threads = 0
        self._generation = 0
        self._ids = itertools.count()

    # -- UI thread ---------------------------------------------------------------------------------
    def submit(self, fn: Callable, *args: Any, key: Hashable = None, on_result: Callable | None = None,
               on_error: Callable | None = None, receiver: QObject | None = None) -> Task:
        """Queue ``fn(*args)``. ``receiver``: a QObject whose deletion cancels the callbacks."""
        with self._lock:
            if key is None:
                key = ("task", next(self._ids))
            if key in self._running:
                return self._running[key]
            task = Task(self, fn, args, key, on_result, on_error, receiver, self._generation)
            self._queue[key] = task
            self._queue.move_to_end(key)
            while self.max_pending is not None and len(self._queue) > self.max_pending:
                self._queue.popitem(last=False)
            if self._threads < min(self.max_threads, len(self._queue) + len(self._running)):
                self._threads += 1
                threading.Thread(target=self._work, name=f"{self.name}-{self._threads}",
                                 daemon=True).start()
        return task

    def discard_pending(self) -> None:
        """Forget every waiting call, and the results of those running now."""
        with self._lock:
            self._queue.clear()
            self._generation += 1

    def pending(self) -> int:
        """Calls waiting or running."""
        with self._lock:
            return len(self._queue) + len(self._running)

    def wait_idle(self, timeout_ms: int = 30_000) -> bool:
        """Block until no call waits or runs (their results may still be on their way)."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._queue and not self._running,
                                       timeout_ms / 1000)

    def _deliver(self, number: int, ok: bool, value: Any) -> None:
        with self._lock:
            task = self._finished.pop(number)
        if task.generation != self._generation or not task.receiver_alive():
            return
        callback = task.on_result if ok else task.on_error
        if callback is not None:
            callback(value)
        elif not ok:
            log.error("%s: %r failed:\n%s", self.name, task.fn,
                      "".join(traceback.format_exception(value)))

    # -- worker threads ----------------------------------------------------------------------------
    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    self._threads -= 1
                    self._lock.notify_all()
                    return
                key, task = self._queue.popitem(last=self.newest_first)
                self._running[key] = task
            try:
                result, ok = task.fn(*task.args), True
            except Exception as exc:  # noqa: BLE001 - the caller's on_error decides what it means
                result, ok = exc, False
            with self._lock:
                del self._running[key]
                number = next(self._deliveries)
                self._finished[number] = task
                self._lock.notify_all()
            del task
            safe_emit(self._relay.delivered, self, number, ok, result)
            del result   # nothing of the caller's stays alive in an idle thread


_shared_pool: TaskPool | None = None


def shared_pool() -> TaskPool:
    """The app's pool for one-shot calls (made on first use, on the UI thread, for the app's life)."""
    global _shared_pool
    if _shared_pool is None or not alive(_shared_pool._relay):
        _shared_pool = TaskPool(4, name="oneshot")
    return _shared_pool


def run_in_background(fn: Callable, *args: Any, on_result: Callable | None = None,
                      on_error: Callable | None = None, receiver: QObject | None = None) -> Task:
    """Run one call off the UI thread; ``on_result(value)`` or ``on_error(exception)`` then runs on
    the UI thread, unless ``receiver`` was deleted meanwhile. Call it from the UI thread."""
    return shared_pool().submit(fn, *args, on_result=on_result, on_error=on_error, receiver=receiver)


async def call_async(fn: Callable, *args: Any) -> Any:
    """``await`` one blocking call from a coroutine on the qasync loop: it runs on the shared pool
    and the coroutine resumes on the UI thread with its result (or its exception)."""
    # The loop a task runs on (qasync's, which a test may spin through Qt without run_forever).
    future = asyncio.get_event_loop().create_future()

    def settle(setter: Callable, value: Any) -> None:
        if not future.done():  # the awaiting task may have been cancelled
            setter(value)

    run_in_background(fn, *args, on_result=lambda v: settle(future.set_result, v),
                      on_error=lambda e: settle(future.set_exception, e))
    return await future


def app_loop() -> asyncio.AbstractEventLoop | None:
    """The qasync loop the app (or a test) installed on this thread, or None."""
    import qasync

    try:
        loop = asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        return None
    return loop if isinstance(loop, qasync.QEventLoop) and not loop.is_closed() else None


def run_as_task(fn: Callable, *args: Any, on_result: Callable, on_error: Callable | None = None,
                receiver: QObject | None = None):
    """Light network I/O (a tag lookup, a count) as an asyncio task on the app's qasync loop: the
    blocking call runs on the shared pool (:func:`call_async`) and ``on_result``/``on_error`` run
    on the UI thread, unless ``receiver`` went away. Without a qasync loop (a script, a test that
    installed none) it is a plain :func:`run_in_background` call."""
    loop = app_loop()
    if loop is None:
        return run_in_background(fn, *args, on_result=on_result, on_error=on_error, receiver=receiver)
    ref = _weak(receiver)

    async def call() -> None:
        try:
            value = await call_async(fn, *args)
        except Exception as exc:  # noqa: BLE001 - handed to on_error, like a pool call's
            if _still_there(ref):
                if on_error is not None:
                    on_error(exc)
                else:
                    log.warning("background call failed: %s", exc)
            return
        if _still_there(ref):
            on_result(value)

    return loop.create_task(call())
