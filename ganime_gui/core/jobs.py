"""The contract every long-running core job follows.

A job is a plain callable ``job(progress, cancelled)``:

* ``progress(done, total, message="", **extra)`` reports how far it is; ``total`` may be 0 when
  unknown; ``extra`` carries job-specific values (a metric, a preview image path, ...).
* ``cancelled()`` returns True once the user asked to stop; the job checks it between steps and
  calls :func:`check_cancelled` (or raises :class:`JobCancelled`) to stop cleanly.

The same job runs in a QThread in the app (``ganime_gui.workers``) and under a terminal progress
bar in the headless commands (``ganime_gui.commands.progress``).

Typed events: what a job reports beyond done/total/message is one small frozen dataclass per kind
of event, a subclass of :class:`JobEvent` defined in core beside the job, passed as
``progress(done, total, message, event=SomeEvent(...))``. The tab that consumes it matches on the
class (``isinstance``), so a producer and a consumer that disagree fail in a test, not silently.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol


class ProgressFn(Protocol):
    def __call__(self, done: int, total: int, message: str = "", **extra: Any) -> None: ...


CancelledFn = Callable[[], bool]
Job = Callable[[ProgressFn, CancelledFn], Any]


@dataclass(frozen=True)
class JobEvent:
    """Base of the typed events a job reports (``progress(..., event=SomeEvent(...))``)."""


class JobCancelled(Exception):
    """Raised inside a job when the user asked it to stop."""


class UserError(Exception):
    """An error the user can act on. Its message is shown as is: say what happened and what to do."""


def check_cancelled(cancelled: CancelledFn) -> None:
    if cancelled():
        raise JobCancelled()


def no_progress(done: int, total: int, message: str = "", **extra: Any) -> None:
    """A progress callback that ignores everything (for library use and tests)."""


def never_cancelled() -> bool:
    return False
