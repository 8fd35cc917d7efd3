import io
import os
import signal

import pytest

from ganime_gui.commands.terminal import StatusLine, progress_bar, stop_on_ctrl_c


def describe(done, total, message, extra):
    return f"{done}/{total} {message}"


def test_status_line_in_a_log_writes_kept_lines_events_and_the_last_report():
    out = io.StringIO()  # not a terminal: lines, never carriage returns
    status = StatusLine(describe, stream=out, keep=lambda e: e.get("phase") == "epoch", log_interval=3600)
    status(1, 10, "batch")          # first report: written
    status(2, 10, "batch")          # too soon: skipped
    status(3, 10, "epoch 1 done", phase="epoch")
    status(4, 10, "", events=["Page 1: 100 posts"])
    status(10, 10, "done")          # the last report always shows
    status.close()
    assert out.getvalue().splitlines() == [
        "1/10 batch", "3/10 epoch 1 done", "Page 1: 100 posts", "10/10 done"]
    assert "\r" not in out.getvalue()


@pytest.mark.parametrize("uptime_s", [0.0, 0.5, 59.0])
def test_the_first_report_shows_on_a_machine_booted_a_moment_ago(monkeypatch, uptime_s):
    # On Linux monotonic() is about the uptime: a fresh CI machine starts near zero.
    clock = iter([uptime_s, uptime_s + 0.1, uptime_s + 0.2])
    monkeypatch.setattr("ganime_gui.commands.terminal.time.monotonic", lambda: next(clock))
    out = io.StringIO()
    status = StatusLine(describe, stream=out, log_interval=3600)
    status(1, 10, "first")
    status(2, 10, "too soon")
    status(10, 10, "done")
    assert out.getvalue().splitlines() == ["1/10 first", "10/10 done"]


def test_quiet_status_line_prints_nothing():
    out = io.StringIO()
    status = StatusLine(describe, stream=out, quiet=True)
    status(1, 1, "x", events=["y"])
    assert out.getvalue() == ""


def test_progress_bar_texts():
    assert progress_bar(5, 10, width=10) == "[#####-----] 5/10"
    assert progress_bar(3, 0) == "[???] 3"


def test_first_ctrl_c_asks_the_job_to_stop_the_second_aborts():
    with stop_on_ctrl_c("Stopping") as stop:
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.is_set()
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
