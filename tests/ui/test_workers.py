import asyncio
import gc
import threading
import time
import weakref
from dataclasses import dataclass

import pytest
import shiboken6
from PySide6.QtCore import QObject, Qt, QThread, Signal

from ganime_gui.core.jobs import JobEvent, UserError, check_cancelled
from ganime_gui.workers import (JobRunner, TaskPool, alive, call_async, describe_error,
                                run_in_background, safe_emit)

from ui_helpers import qasync_loop


def counting_job(n, step_s=0.0):
    def job(progress, cancelled):
        for i in range(n):
            check_cancelled(cancelled)
            time.sleep(step_s)
            progress(i + 1, n, f"step {i + 1}", value=i)
        return n * 10
    return job


def test_job_reports_progress_and_result(qtbot):
    # Also the test that catches PySide6 6.12.0's crash on cross-thread signals carrying Python
    # objects (the dict of extras here), the reason for pyproject.toml's PySide6 pin.
    runner = JobRunner()
    got, results = [], []
    # Slots are connected by start() before the thread runs, so no signal can be missed.
    runner.start(counting_job(5), "count", on_progress=lambda d, t, m, e: got.append((d, t, e)),
                 on_finished=results.append)
    qtbot.waitUntil(lambda: len(results) == 1, timeout=5000)
    assert results == [50]
    assert [g[0] for g in got] == [1, 2, 3, 4, 5]
    assert got[-1] == (5, 5, {"value": 4})


def test_a_finished_worker_is_freed_on_the_ui_thread_without_the_cyclic_collector(qtbot):
    # A worker in a reference cycle is freed by the cyclic collector on whatever thread runs it
    # (the next job's, while Keras traces): the cause of a hang in the GUI tests. With the
    # collector off, the worker and its QThread must go by reference counting alone, on this thread.
    runner = JobRunner()
    results = []
    gc.collect()
    gc.disable()
    try:
        worker = runner.start(counting_job(3), "count", on_finished=results.append)
        ended = []
        worker.ended.connect(lambda: ended.append(True))
        qtbot.waitUntil(lambda: bool(ended), timeout=5000)
        worker_ref, thread_ref = weakref.ref(worker), weakref.ref(worker._thread)
        del worker
        qtbot.waitUntil(lambda: worker_ref() is None and thread_ref() is None, timeout=2000)
        assert runner.running() == [] and results == [30]
    finally:
        gc.enable()


def test_a_job_counts_as_running_until_its_result_has_reached_the_ui_thread(qtbot):
    # Waiting for "not running" must mean the result was handled: the thread ends a moment before
    # its last queued signal is delivered (the race behind a flaky GAN-tab test).
    runner = JobRunner()
    results = []
    worker = runner.start(counting_job(2), "count", on_finished=results.append)
    assert worker.is_running()
    assert worker.wait(5000)  # the thread is done; no event loop ran, so nothing was delivered
    assert not worker.thread_alive() and runner.running() == []
    assert results == [] and worker.is_running()
    qtbot.waitUntil(lambda: not worker.is_running(), timeout=5000)
    assert results == [20]


def test_job_can_be_cancelled(qtbot):
    runner = JobRunner()
    progressed = threading.Event()
    finished = []

    def job(progress, cancelled):
        while True:
            progressed.set()
            check_cancelled(cancelled)
            time.sleep(0.01)

    worker = runner.start(job, "forever", on_finished=finished.append)
    assert progressed.wait(5)
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        worker.cancel()
    qtbot.waitUntil(lambda: not worker.is_running(), timeout=5000)
    assert finished == []


def test_failing_job_reports_a_readable_message(qtbot):
    runner = JobRunner()

    def user_error_job(progress, cancelled):
        raise UserError("The site asked for an API key. Add it in the site settings.")

    def crash_job(progress, cancelled):
        raise ValueError("bad pixel")

    messages = []
    runner.start(user_error_job, "crawl", on_failed=messages.append)
    qtbot.waitUntil(lambda: len(messages) == 1, timeout=5000)
    assert messages[0] == "The site asked for an API key. Add it in the site settings."
    runner.start(crash_job, "Thumbnails", on_failed=messages.append)
    qtbot.waitUntil(lambda: len(messages) == 2, timeout=5000)
    assert "Thumbnails failed: ValueError: bad pixel" in messages[1]
    assert "log" in messages[1]


def test_pause_blocks_the_job_at_its_next_check_and_resume_continues(qtbot):
    runner = JobRunner()
    steps = []
    worker = runner.start(counting_job(200, 0.005), "slow",
                          on_progress=lambda d, t, m, e: steps.append(d))
    qtbot.waitUntil(lambda: len(steps) > 3, timeout=5000)
    worker.pause()
    qtbot.wait(100)
    frozen = len(steps)
    qtbot.wait(200)
    assert len(steps) <= frozen + 1  # at most the step in flight
    assert worker.is_paused
    with qtbot.waitSignal(worker.finished, timeout=10000):
        worker.resume()
    assert steps[-1] == 200


def test_stop_all_ends_every_thread(qtbot):
    runner = JobRunner()
    workers = [runner.start(counting_job(10_000, 0.01), f"job{i}") for i in range(3)]
    qtbot.wait(50)
    assert runner.stop_all(timeout_ms=5000)
    assert not any(w.thread_alive() for w in workers)


def test_describe_error_for_a_full_disk():
    err = OSError(28, "No space left on device")
    assert "disk is full" in describe_error("Crawl", err)


def test_a_job_that_stops_early_but_returns_finishes_with_its_partial_result(qtbot):
    runner = JobRunner()
    started = threading.Event()

    def job(progress, cancelled):
        done = 0
        started.set()
        while not cancelled():
            done += 1
            time.sleep(0.005)
        return f"kept {done} steps"

    worker = runner.start(job, "partial")
    assert started.wait(5)
    with qtbot.waitSignal(worker.finished, timeout=5000) as blocker:
        worker.cancel()
    assert blocker.args[0].startswith("kept ")


def test_a_full_disk_in_sqlite_reads_as_a_full_disk():
    import sqlite3
    assert "disk is full" in describe_error("Crawl", sqlite3.OperationalError("database or disk is full"))


# -- typed events ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Checkpoint(JobEvent):
    epoch: int
    path: str


def test_a_typed_event_reaches_the_slot_as_the_very_object_the_job_made(qtbot):
    runner = JobRunner()
    sent, got, results = [], [], []

    def job(progress, cancelled):
        for epoch in range(3):
            event = _Checkpoint(epoch, f"ckpt-{epoch}.keras")
            sent.append(event)
            progress(epoch + 1, 3, "saved", event=event)
        return "done"

    runner.start(job, "events", on_progress=lambda d, t, m, extra: got.append(extra.get("event")),
                 on_finished=results.append)
    qtbot.waitUntil(lambda: results == ["done"], timeout=5000)
    assert len(got) == 3 and all(isinstance(e, _Checkpoint) for e in got)
    assert all(a is b for a, b in zip(got, sent))   # not a copy, not a converted QVariant map
    assert got[2].path == "ckpt-2.keras"


# -- one guard for a receiver that went away ------------------------------------------------------------

class _Holder(QObject):
    ping = Signal(int)


def test_safe_emit_into_a_deleted_object_returns_false_instead_of_raising():
    holder = _Holder()
    got = []
    holder.ping.connect(got.append)
    assert safe_emit(holder.ping, 1) and got == [1]
    import shiboken6
    shiboken6.delete(holder)
    assert not alive(holder)
    assert safe_emit(holder.ping, 2) is False   # the signal fetched at emit time, as workers do
    assert got == [1]


# -- pools -------------------------------------------------------------------------------------------------

def test_a_pool_delivers_results_and_errors_on_the_ui_thread(qtbot):
    pool = TaskPool(2)
    results, errors, threads = [], [], []
    ui_thread = QThread.currentThread()

    def square(x):
        return x * x, threading.get_ident()

    def on_result(value):
        threads.append(QThread.currentThread() is ui_thread)
        results.append(value[0])

    for x in range(5):
        pool.submit(square, x, on_result=on_result)
    pool.submit(int, "not a number", on_error=errors.append)
    qtbot.waitUntil(lambda: len(results) == 5 and len(errors) == 1, timeout=5000)
    assert sorted(results) == [0, 1, 4, 9, 16]
    assert all(threads)
    assert isinstance(errors[0], ValueError)
    assert pool.wait_idle(5000) and pool.pending() == 0


def test_a_newest_first_pool_serves_the_latest_request_first_and_drops_the_oldest(qtbot):
    pool = TaskPool(1, newest_first=True, max_pending=3)
    gate, order = threading.Event(), []
    pool.submit(gate.wait, 5, key="blocker")          # holds the only thread
    qtbot.waitUntil(lambda: pool.pending() == 1 and not pool._queue, timeout=5000)
    for k in "abcde":                                  # a, b are dropped: only 3 may wait
        pool.submit(order.append, k, key=k)
    pool.submit(order.append, "c", key="c")            # already waiting: moves to the front
    gate.set()
    assert pool.wait_idle(5000)
    assert order == ["c", "e", "d"]


def test_a_key_already_running_is_not_queued_again(qtbot):
    pool = TaskPool(2)
    gate, calls = threading.Event(), []

    def slow(k):
        calls.append(k)
        gate.wait(5)

    first = pool.submit(slow, "x", key="x")
    qtbot.waitUntil(lambda: calls == ["x"], timeout=5000)
    assert pool.submit(slow, "x", key="x") is first
    gate.set()
    assert pool.wait_idle(5000)
    assert calls == ["x"]


def test_discard_pending_drops_waiting_calls_and_results_still_on_their_way(qtbot):
    pool = TaskPool(1)
    gate, results = threading.Event(), []

    def wait_then(value):
        gate.wait(5)
        return value

    pool.submit(wait_then, "old running", on_result=results.append)
    qtbot.waitUntil(lambda: not pool._queue, timeout=5000)
    pool.submit(wait_then, "old waiting", on_result=results.append)
    pool.discard_pending()
    pool.submit(wait_then, "new", on_result=results.append)
    gate.set()
    assert pool.wait_idle(5000)
    qtbot.waitUntil(lambda: results == ["new"], timeout=5000)
    qtbot.wait(50)
    assert results == ["new"]


def test_a_deleted_receiver_gets_no_callback(qtbot):
    pool = TaskPool(1)
    gate, got = threading.Event(), []
    receiver = QObject()
    pool.submit(gate.wait, 5, on_result=got.append, receiver=receiver)
    pool.submit(lambda: "for the living", on_result=got.append)
    import shiboken6
    shiboken6.delete(receiver)
    gate.set()
    qtbot.waitUntil(lambda: got == ["for the living"], timeout=5000)
    qtbot.wait(50)
    assert got == ["for the living"]


def test_run_in_background_returns_on_the_ui_thread(qtbot):
    got = []
    ui = threading.get_ident()
    run_in_background(lambda: threading.get_ident(),
                      on_result=lambda worker: got.append((worker, threading.get_ident())))
    qtbot.waitUntil(lambda: len(got) == 1, timeout=5000)
    worker_ident, callback_ident = got[0]
    assert worker_ident != ui and callback_ident == ui


def test_call_async_awaits_a_blocking_call_on_the_qasync_loop(qapp):
    ui = threading.get_ident()

    async def lookup():
        ident = await call_async(threading.get_ident)
        with pytest.raises(ZeroDivisionError):
            await call_async(lambda: 1 / 0)
        return ident, threading.get_ident()

    with qasync_loop(qapp) as loop:
        worker_ident, resumed_on = loop.run_until_complete(asyncio.wait_for(lookup(), 10))
    assert worker_ident != ui and resumed_on == ui


def test_what_a_call_holds_is_released_on_the_ui_thread_even_when_only_the_call_holds_it(qtbot):
    # The pool and the callback's QObject are dropped by their owner while the call runs; a
    # QObject deleted on the worker thread can crash. (A race: the earlier design, which let the
    # worker drop its task last, failed here in 3 runs of 5.)
    ui = threading.get_ident()
    destroyed_on, pinged = [], []

    def start() -> None:
        pool = TaskPool(1)
        holder = _Holder()
        holder.ping.connect(pinged.append)
        holder.destroyed.connect(lambda *_: destroyed_on.append(threading.get_ident()),
                                 Qt.ConnectionType.DirectConnection)
        pool.submit(lambda: time.sleep(0.01) or 1, on_result=lambda v: holder.ping.emit(v))

    for _ in range(60):
        start()
    qtbot.waitUntil(lambda: len(destroyed_on) == 60, timeout=10000)
    assert len(pinged) == 60
    assert set(destroyed_on) == {ui}


def test_run_as_task_runs_on_the_qasync_loop_and_skips_a_receiver_that_went_away(qapp):
    from ganime_gui.workers import run_as_task

    ui = threading.get_ident()
    got, errors, dropped = [], [], []
    with qasync_loop(qapp) as loop:
        keeper, goner = QObject(), QObject()
        tasks = [run_as_task(threading.get_ident, receiver=keeper,
                             on_result=lambda v: got.append((v, threading.get_ident()))),
                 run_as_task(lambda: 1 / 0, receiver=keeper, on_result=got.append, on_error=errors.append),
                 run_as_task(time.sleep, 0.2, receiver=goner, on_result=dropped.append)]
        assert all(isinstance(t, asyncio.Task) for t in tasks)  # asyncio tasks, not pool calls
        goner.deleteLater()
        loop.run_until_complete(asyncio.wait_for(asyncio.gather(*tasks), 10))
    assert len(got) == 1 and got[0][0] != ui and got[0][1] == ui
    assert len(errors) == 1 and isinstance(errors[0], ZeroDivisionError)
    assert dropped == []


def _live_qobjects_in_cyclic_garbage() -> list:
    """The QObjects still alive in garbage only the cycle collector frees: it may run on any
    thread (a crawl download, the fake booru's server), and a QObject of the UI thread destroyed
    there segfaults."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        return [type(o).__name__ for o in gc.garbage if isinstance(o, QObject) and shiboken6.isValid(o)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def test_a_closed_test_loop_leaves_no_qobject_for_another_thread_to_destroy(qapp):
    gc.collect()   # earlier tests' garbage goes here, on the UI thread
    with qasync_loop(qapp) as loop:
        for i in range(20):       # timers still armed when the loop closes
            loop.call_later(5 + i, lambda: None)
        loop.run_until_complete(asyncio.wait_for(call_async(threading.get_ident), 10))
    del loop
    assert _live_qobjects_in_cyclic_garbage() == []
