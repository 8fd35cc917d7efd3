import threading
import time


from ganime_gui.core.jobs import UserError, check_cancelled
from ganime_gui.workers import JobRunner, describe_error


def counting_job(n, step_s=0.0):
    def job(progress, cancelled):
        for i in range(n):
            check_cancelled(cancelled)
            time.sleep(step_s)
            progress(i + 1, n, f"step {i + 1}", value=i)
        return n * 10
    return job


def test_job_reports_progress_and_result(qtbot):
    runner = JobRunner()
    got, results = [], []
    # Slots are connected by start() before the thread runs, so no signal can be missed.
    runner.start(counting_job(5), "count", on_progress=lambda d, t, m, e: got.append((d, t, e)),
                 on_finished=results.append)
    qtbot.waitUntil(lambda: len(results) == 1, timeout=5000)
    assert results == [50]
    assert [g[0] for g in got] == [1, 2, 3, 4, 5]
    assert got[-1] == (5, 5, {"value": 4})


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
    assert not any(w.is_running() for w in workers)


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
