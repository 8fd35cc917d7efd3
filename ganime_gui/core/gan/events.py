"""What the GAN training job reports: one frozen dataclass per kind of event (``core.jobs``).

The trainer calls ``progress(step, total_steps, message, event=SomeEvent(...))``; the GAN tab and
``ganime train-gan`` match on the class. Every event from a built trainer carries a
:class:`GanStatus`, the numbers a progress panel shows.
"""
from __future__ import annotations

from dataclasses import dataclass

from ganime_gui.core.jobs import JobEvent


@dataclass(frozen=True)
class GanStatus:
    step: int
    total_steps: int
    kimg: float
    total_kimg: float
    sec_per_kimg: float
    img_per_s: float
    eta_s: float | None
    augment_p: float | None   # None when the architecture does not augment
    checkpoint: str | None    # the latest checkpoint folder
    grid: str | None          # the latest sample grid


@dataclass(frozen=True)
class RunStarted(JobEvent):
    """The job began (TensorFlow may still be loading)."""
    run_dir: str


@dataclass(frozen=True)
class SetPrepared(JobEvent):
    path: str
    count: int
    skipped: int


@dataclass(frozen=True)
class GanEvent(JobEvent):
    status: GanStatus


@dataclass(frozen=True)
class StepDone(GanEvent):
    d_loss: float
    g_loss: float


@dataclass(frozen=True)
class FileSaved(GanEvent):
    path: str


class RealsSaved(FileSaved):
    """The grid of training images (once per run)."""


class PreviewSaved(FileSaved):
    """A sample grid from the fixed latents."""


class CheckpointSaved(FileSaved):
    """A scheduled checkpoint (pause, stop and the end write one too)."""


@dataclass(frozen=True)
class Scored(GanEvent):
    metric: dict  # MetricResult.to_dict()


@dataclass(frozen=True)
class ScoringOff(GanEvent):
    why: str      # KID/FID are off (e.g. no network offline); SWD goes on


class Scoring(GanEvent):
    """Scores are being computed; the message says how far."""


class Paused(GanEvent):
    """Paused after a checkpoint; waits for unpause or stop."""


class Resumed(GanEvent):
    """Training again after a pause."""


class Stopped(GanEvent):
    """Stopped by the user after a checkpoint (the job then raises JobCancelled)."""


class Finished(GanEvent):
    """Reached the run's length; the last checkpoint is written."""
