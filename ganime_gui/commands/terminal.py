"""What every headless command shares: a status line for a job's progress, Ctrl+C that stops a
job cleanly, and the exit codes."""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from typing import Callable, Iterator

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USER_ERROR = 2        # wrong input or settings; the message says what to do
EXIT_BLOCKED = 3           # a crawl was blocked: the last line says why
EXIT_DIVERGED = 3          # a GAN diverged: the last good checkpoint is kept
EXIT_INTERRUPTED = 130     # stopped with Ctrl+C (what was done is kept)

Describe = Callable[[int, int, str, dict], str]


def progress_bar(done: int, total: int, width: int = 28) -> str:
    if total <= 0:
        return f"[???] {done}"
    filled = int(width * min(done, total) / total)
    return f"[{'#' * filled}{'-' * (width - filled)}] {done}/{total}"


class StatusLine:
    """A job's progress callback for a terminal.

    On a terminal one line is redrawn in place (at most every ``tty_interval`` s); in a log file
    (a server run) a line is written every ``log_interval`` s. Reports for which ``keep(extra)``
    is true get a line of their own, and ``extra["events"]`` lines are printed above the status.
    """

    def __init__(self, describe: Describe, *, keep: Callable[[dict], bool] = lambda extra: False,
                 quiet: bool = False, stream=None, tty_interval: float = 0.2, log_interval: float = 5.0):
        self.describe, self.keep, self.quiet = describe, keep, quiet
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.interval = tty_interval if self.tty else log_interval
        self._last: float | None = None  # monotonic() starts near 0 after boot: no fake 'last time'
        self._drawn = False

    def __call__(self, done: int, total: int, message: str = "", **extra) -> None:
        if self.quiet:
            return
        for line in extra.get("events") or ():
            self.print_above(line)
        keep = self.keep(extra)
        now = time.monotonic()
        if not keep and done != total and self._last is not None and now - self._last < self.interval:
            return
        self._last = now
        line = self.describe(done, total, message, extra)
        if keep or not self.tty:
            self.print_above(line)
        else:
            self.stream.write("\r" + line[:_columns() - 1] + "\x1b[K")
            self._drawn = True
        self.stream.flush()

    def print_above(self, line: str) -> None:
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self._drawn = False
        self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False


@contextlib.contextmanager
def stop_on_ctrl_c(what_happens: str) -> Iterator[threading.Event]:
    """The first Ctrl+C sets the yielded event (the job's ``cancelled`` flag) and says
    ``what_happens``; a second one raises KeyboardInterrupt at once."""
    stop = threading.Event()

    def on_sigint(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print(f"\n{what_happens} (Ctrl+C again to quit at once)…", file=sys.stderr, flush=True)

    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, on_sigint) if main else None
    try:
        yield stop
    finally:
        if main:
            signal.signal(signal.SIGINT, previous)


def run_until_stopped(job, status: StatusLine, what_happens: str):
    """Run a job in this thread with Ctrl+C as its Stop button. Returns ``(result, stopped)``;
    a job that stops without a result raises ``JobCancelled`` to the caller."""
    try:
        with stop_on_ctrl_c(what_happens) as stop:
            result = job(status, stop.is_set)
            return result, stop.is_set()
    finally:
        status.close()


def _columns() -> int:
    try:
        return os.get_terminal_size(sys.stderr.fileno()).columns
    except OSError:
        return 120
