"""Monitoring hooked into the training loop as callbacks, in the keras-io spirit: sample grids,
the run log's loss lines, scores and scheduled checkpoints. Each sees the trainer at the start, at
the end of every step and at the end (``finished`` False when stopped or paused); the trainer's
``report`` sends their events to the job's progress callback.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ganime_gui.core.gan import events
from ganime_gui.core.gan.config import next_preview_images
from ganime_gui.core.jobs import JobCancelled


@dataclass(frozen=True)
class StepLogs:
    d_loss: float
    g_loss: float
    real_sign: float  # mean sign(D(real)): ADA's overfitting heuristic
    seconds: float
    shown: int        # real images shown so far


class TrainingCallback:
    def on_train_begin(self, trainer) -> None:
        pass

    def on_step_end(self, trainer, logs: StepLogs) -> None:
        pass

    def on_train_end(self, trainer, finished: bool) -> None:
        """Before the end, pause or stop checkpoint is written."""


def _next_multiple(shown: int, every: float) -> float:
    return (shown // every + 1) * every if every else math.inf


class Previews(TrainingCallback):
    """A sample grid from the fixed latents: early ones often, then every ``preview_every_kimg``
    (``config.next_preview_images``); one at the end if the last step has none."""

    def on_train_begin(self, trainer) -> None:
        self.next = next_preview_images(trainer.images, trainer.config)

    def on_step_end(self, trainer, logs: StepLogs) -> None:
        if logs.shown >= self.next:
            path = trainer.save_preview()
            self.next = next_preview_images(logs.shown, trainer.config)
            trainer.report(events.PreviewSaved, f"{trainer.kimg:.1f} kimg", path=str(path))

    def on_train_end(self, trainer, finished: bool) -> None:
        if finished and trainer.preview_step != trainer.step:
            trainer.save_preview()


class LossLog(TrainingCallback):
    """A run-log line with the mean losses and speed of every ``log_every_steps`` steps."""

    def on_train_begin(self, trainer) -> None:
        self.window: list[tuple[float, float]] = []

    def on_step_end(self, trainer, logs: StepLogs) -> None:
        self.window.append((logs.d_loss, logs.g_loss))
        if len(self.window) >= trainer.config.log_every_steps:
            self.flush(trainer)

    def on_train_end(self, trainer, finished: bool) -> None:
        self.flush(trainer)

    def flush(self, trainer) -> None:
        if not self.window:
            return
        arr = np.asarray(self.window)
        self.window = []
        s = trainer.status()
        trainer.log.write(step=trainer.step, kimg=trainer.kimg, d_loss=float(arr[:, 0].mean()),
                          g_loss=float(arr[:, 1].mean()), sec_per_kimg=s.sec_per_kimg, img_per_s=s.img_per_s,
                          augment_p=s.augment_p)


class ScheduledCheckpoints(TrainingCallback):
    """A checkpoint every ``checkpoint_every_kimg`` and every ``checkpoint_every_minutes`` (the
    minutes rule is off when training over several machines: all workers must save together)."""

    def __init__(self, use_minutes: bool = True):
        self.use_minutes = use_minutes

    def on_train_begin(self, trainer) -> None:
        self.every = trainer.config.checkpoint_every_kimg * 1000
        self.next = _next_multiple(trainer.images, self.every)
        self.last_time = time.monotonic()

    def on_step_end(self, trainer, logs: StepLogs) -> None:
        minutes = (time.monotonic() - self.last_time) / 60
        by_time = self.use_minutes and trainer.config.checkpoint_every_minutes and \
            minutes >= trainer.config.checkpoint_every_minutes
        if logs.shown >= self.next or by_time:
            path = trainer.save_checkpoint()
            self.next = _next_multiple(logs.shown, self.every)
            self.last_time = time.monotonic()
            trainer.report(events.CheckpointSaved, f"Checkpoint {path.name}", path=str(path))


class Scores(TrainingCallback):
    """SWD (and KID/FID with a feature network) of the EMA generator every ``plan.every_kimg``.
    A network that cannot load leaves SWD, said once in the log."""

    def __init__(self, plan):
        self.plan = plan
        self.scorer = None

    def on_train_begin(self, trainer) -> None:
        self.every = self.plan.every_kimg * 1000
        self.next = _next_multiple(trainer.images, self.every)

    def on_step_end(self, trainer, logs: StepLogs) -> None:
        if logs.shown >= self.next:
            self.score(trainer)
            self.next = _next_multiple(logs.shown, self.every)

    def score(self, trainer) -> None:
        from ganime_gui.core.gan.metrics import GeneratorScorer

        def quiet(done, total, message="", **extra):  # keep the training progress bar meaning steps
            trainer.report(events.Scoring, f"{message} ({done}/{total})")

        if self.scorer is None:
            self.scorer = GeneratorScorer(self.plan.extractor_factory, trainer.data, self.plan.samples)
            if self.scorer.note:
                message = f"{self.scorer.note}; SWD goes on."
                trainer.log.write(event="metric_failed", step=trainer.step, kimg=trainer.kimg,
                                  message=message)
                trainer.report(events.ScoringOff, message, why=self.scorer.note)
        try:
            result = self.scorer.score(trainer.generate, trainer.config.latent_dim, trainer.kimg, quiet,
                                       trainer.cancelled)
        except JobCancelled:
            return  # the loop sees cancelled() next and stops with a checkpoint
        trainer.log.write(event="metric", step=trainer.step, **result.to_dict())
        trainer.report(events.Scored, result.label(), metric=result.to_dict())
