"""The GAN training job: the loop, with pause / resume / stop, divergence checks and callbacks.

``GanTrainer(config, data_path, run_dir).run(progress, cancelled)`` is a core job (see
``ganime_gui.core.jobs``). It trains until ``config.total_kimg`` or until ``cancelled()``; while
:meth:`GanTrainer.pause` is in force it checkpoints once and waits. The parts, top to bottom:

    step.py         GanModel: networks, optimisers, losses, one (distributed) step, EMA, sampling
    ada.py          the adaptive augmentation strength (a callback)
    callbacks.py    previews, the run log's loss lines, scores, scheduled checkpoints
    checkpoints.py  writing and restoring checkpoints; load_generator
    events.py       what the job reports

Everything a resume needs is in the checkpoint. Training batches are a pure function of
(seed, step), so a resumed run draws the batches the uninterrupted one would have.
"""
from __future__ import annotations

import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import numpy as np

from ganime_gui.core.gan import events, runs
from ganime_gui.core.gan.callbacks import LossLog, Previews, Scores, ScheduledCheckpoints, StepLogs
from ganime_gui.core.gan.checkpoints import load_generator  # noqa: F401  (its home before the split)
from ganime_gui.core.gan.config import GanConfig
from ganime_gui.core.gan.dataset import BatchSampler, as_unit_float, load_array
from ganime_gui.core.jobs import (CancelledFn, JobCancelled, ProgressFn, UserError, never_cancelled,
                                  no_progress)

_PROGRESS_INTERVAL_S = 0.2  # at most five step reports a second: the UI needs no more


class TrainingDiverged(UserError):
    """The losses became NaN, infinite or absurdly large; the message says what to do."""


@dataclass(frozen=True)
class TrainResult:
    run_dir: Path
    step: int
    kimg: float
    checkpoint: Path | None
    finished: bool  # False when stopped early


def resume_config(run_dir: str | Path, **overrides) -> GanConfig:
    """The saved config of a run, with schedule settings (e.g. ``total_kimg``) replaced."""
    structural = {"arch", "resolution", "latent_dim", "base_channels", "max_channels", "batch_size",
                  "minibatch_std"}
    config = runs.read_run_config(run_dir)
    d = config.to_dict()
    for key, value in overrides.items():
        if value is None:
            continue
        if key in structural and value != d[key]:
            raise UserError(f"Cannot resume with {key} = {value}: this run was trained with "
                            f"{key} = {d[key]}. Start a new run to change it.")
        d[key] = value
    return GanConfig.from_dict(d)


class GanTrainer:
    def __init__(self, config: GanConfig, data_path: str | Path | None, run_dir: str | Path,
                 resume: bool = False, devices: list[str] | None = None, metrics=None):
        """``metrics``: a :class:`ganime_gui.core.gan.metrics.MetricsPlan` to score the generator
        during training; ``devices``: explicit devices for data-parallel training (None: all GPUs,
        or the machines of ``TF_CONFIG``)."""
        self.config = config
        self.metrics = metrics
        self.data_path = Path(data_path) if data_path is not None else None
        self.run_dir = Path(run_dir)
        self.resume = resume
        self.devices = devices
        self._unpaused = threading.Event()
        self._unpaused.set()
        self._built = False
        self._speed: float | None = None  # seconds per step, smoothed
        self.preview_step = -1
        self.latest_grid: Path | None = None
        self._progress: ProgressFn = no_progress
        self.cancelled: CancelledFn = never_cancelled
        self._reported = False

    # -- control from other threads ---------------------------------------------------------------
    def pause(self) -> None:
        self._unpaused.clear()

    def unpause(self) -> None:
        self._unpaused.set()

    @property
    def paused(self) -> bool:
        return not self._unpaused.is_set()

    # -- set-up -----------------------------------------------------------------------------------
    def build(self) -> None:
        """Import TensorFlow, build the model and its state, restore a checkpoint if resuming."""
        if self._built:
            return
        from ganime_gui.core.gan.ada import AdaptiveAugmentation
        from ganime_gui.core.gan.checkpoints import CheckpointStore
        from ganime_gui.core.gan.distribute import check_batch_divides, make_strategy, worker_dir
        from ganime_gui.core.gan.step import build_gan_model
        from ganime_gui.core.tfsetup import import_tensorflow

        tf = self.tf = import_tensorflow()
        cfg = self.config
        if self.data_path is not None:
            self.data = load_array(self.data_path)
            if self.data.shape[1] != cfg.resolution:
                raise UserError(f"The prepared set holds {self.data.shape[1]}×{self.data.shape[1]} images "
                                f"but the run is set to {cfg.resolution}×{cfg.resolution}: prepare the set "
                                f"at {cfg.resolution} or change the resolution.")
            self.sampler = BatchSampler(self.data, cfg.batch_size, cfg.seed, cfg.mirror)
        self.strategy = make_strategy(self.devices)
        self.run_dir = worker_dir(self.strategy, self.run_dir)  # other machines' copies go aside
        check_batch_divides(cfg.batch_size, self.strategy)
        with self.strategy.scope():
            self.model = build_gan_model(cfg, self.strategy)
        self.checkpoints = CheckpointStore(self.run_dir, self.model, cfg.keep_checkpoints)
        self.ada = AdaptiveAugmentation()
        if self.resume:
            self.ada.load_state(self.checkpoints.restore_latest())
        self._train_step = tf.function(self.model.distributed_step)
        self._built = True

    # -- where it is ------------------------------------------------------------------------------
    @property
    def step(self) -> int:
        return self.model.step

    @property
    def kimg(self) -> float:
        return self.model.kimg

    @property
    def images(self) -> int:
        return int(self.model.images_shown.numpy())

    @property
    def total_steps(self) -> int:
        if not self.config.total_kimg:
            return 0
        return max(1, math.ceil(self.config.total_kimg * 1000.0 / self.config.images_per_step - 1e-6))

    @property
    def last_checkpoint(self) -> Path | None:
        return self.checkpoints.last if self._built else None

    def status(self) -> events.GanStatus:
        cfg = self.config
        sec_per_step = self._speed or 0.0
        remaining = ((self.total_steps - self.step) * sec_per_step
                     if self.total_steps and sec_per_step else None)
        return events.GanStatus(
            step=self.step, total_steps=self.total_steps, kimg=self.kimg, total_kimg=cfg.total_kimg,
            sec_per_kimg=sec_per_step * 1000 / cfg.images_per_step if sec_per_step else 0.0,
            img_per_s=cfg.images_per_step / sec_per_step if sec_per_step else 0.0, eta_s=remaining,
            augment_p=float(self.model.augment_p.numpy()) if cfg.spec.augment else None,
            checkpoint=str(self.last_checkpoint) if self.last_checkpoint else None,
            grid=str(self.latest_grid) if self.latest_grid else None)

    def report(self, kind: type[events.GanEvent], text: str, **fields) -> None:
        """Send one event (with the current status) to the job's progress callback."""
        self._reported = True
        self._progress(self.step, self.total_steps, text, event=kind(status=self.status(), **fields))

    # -- the job ----------------------------------------------------------------------------------
    def run(self, progress: ProgressFn = no_progress,
            cancelled: CancelledFn = never_cancelled) -> TrainResult:
        """Train until ``total_kimg`` or ``cancelled()``; checkpoint on the way and at the end."""
        if self.data_path is None:
            raise UserError("Choose a prepared image set to train on.")
        self._progress, self.cancelled = progress, cancelled
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if not self.resume and runs.list_checkpoints(self.run_dir):
            raise UserError(f"{self.run_dir} already holds a run: resume it, or choose an empty folder "
                            f"for a new run.")
        progress(0, 0, "Starting TensorFlow and building the networks…",
                 event=events.RunStarted(str(self.run_dir)))
        self.build()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        cfg = self.config
        runs.write_run_info(self.run_dir, cfg, self.data_path)
        self.log = runs.RunLog(self.run_dir)
        self.log.write(event="resume" if self.resume else "start", step=self.step, kimg=self.kimg,
                       config=cfg.to_dict(), replicas=self.strategy.num_replicas_in_sync)
        reals_path = self.run_dir / runs.REALS_NAME
        if not reals_path.exists():
            self._save_reals(reals_path)
        grids = runs.list_fake_grids(self.run_dir)
        self.latest_grid = grids[-1][1] if grids else self.save_preview()
        self.report(events.RealsSaved, "Real images", path=str(reals_path))

        from ganime_gui.core.gan.distribute import is_multi_worker
        callbacks = [self.ada, Previews(), LossLog(),
                     ScheduledCheckpoints(not is_multi_worker(self.strategy))]
        if self.metrics and self.metrics.every_kimg:
            callbacks.append(Scores(self.metrics))
        self.callbacks = callbacks
        for cb in callbacks:
            cb.on_train_begin(self)
        last_report = float("-inf")  # not 0.0: monotonic() is near 0 after boot
        executor = ThreadPoolExecutor(1, thread_name_prefix="gan-batches")
        try:
            pending = executor.submit(self._batch, self.step)
            while self.total_steps == 0 or self.step < self.total_steps:
                if cancelled():
                    return self._stop()
                if self.paused:
                    self._wait_while_paused()
                    continue
                t0 = time.perf_counter()
                batch = pending.result()
                pending = executor.submit(self._batch, self.step + 1)
                d_loss, g_loss, real_sign = (float(v) for v in self._train_step(self._distribute(batch)))
                seconds = time.perf_counter() - t0
                self._check_finite(d_loss, g_loss)
                # The first calls include tracing; an exponential average forgets them quickly.
                self._speed = seconds if self._speed is None else 0.9 * self._speed + 0.1 * seconds
                logs = StepLogs(d_loss, g_loss, real_sign, seconds, self.images)
                self._reported = False
                for cb in callbacks:
                    cb.on_step_end(self, logs)
                now = time.monotonic()
                if self._reported or now - last_report >= _PROGRESS_INTERVAL_S:
                    last_report = now
                    self.report(events.StepDone, f"{self.kimg:.1f} kimg", d_loss=d_loss, g_loss=g_loss)
            for cb in callbacks:
                cb.on_train_end(self, finished=True)
            ckpt = self.save_checkpoint()
            self.log.write(event="finished", step=self.step, kimg=self.kimg)
            self.report(events.Finished, f"Finished at {self.kimg:.1f} kimg")
            return TrainResult(self.run_dir, self.step, self.kimg, ckpt, finished=True)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)

    def _batch(self, step: int) -> np.ndarray:
        n = self.config.spec.n_critic
        return np.stack([self.sampler.batch(step, i) for i in range(n)])

    def _distribute(self, batch: np.ndarray):
        from ganime_gui.core.gan.distribute import split_over_replicas
        return split_over_replicas(self.strategy, batch)

    def _stop(self) -> NoReturn:
        for cb in self.callbacks:
            cb.on_train_end(self, finished=False)
        self.save_checkpoint()
        self.log.write(event="stopped", step=self.step, kimg=self.kimg)
        self.report(events.Stopped, f"Stopped at {self.kimg:.1f} kimg; checkpoint saved")
        raise JobCancelled()

    def _wait_while_paused(self) -> None:
        for cb in self.callbacks:
            cb.on_train_end(self, finished=False)
        self.save_checkpoint()
        self.log.write(event="paused", step=self.step, kimg=self.kimg)
        self.report(events.Paused, f"Paused at {self.kimg:.1f} kimg")
        while not self._unpaused.wait(0.1):
            if self.cancelled():
                return  # the loop sees cancelled() next and stops
        self.log.write(event="unpaused", step=self.step, kimg=self.kimg)
        self.report(events.Resumed, "Resumed")

    def _check_finite(self, d_loss: float, g_loss: float) -> None:
        limit = self.config.divergence_limit
        bad = [(name, v) for name, v in (("discriminator", d_loss), ("generator", g_loss))
               if not math.isfinite(v) or abs(v) > limit]
        if not bad:
            return
        name, value = bad[0]
        what = "became NaN" if math.isnan(value) else (
            "became infinite" if math.isinf(value) else f"reached {value:.3g}")
        last = self.last_checkpoint
        keep = (f"The last good checkpoint is kept: {last.name} at "
                f"{runs.checkpoint_state(last)['kimg']:.1f} kimg; resume from it with a "
                f"lower learning rate." if last else
                "No checkpoint was written before it happened: start again with a lower learning rate.")
        message = (f"Training diverged at step {self.step} ({self.kimg:.1f} kimg): the {name} loss {what}. "
                   f"Nothing after that step was saved. {keep} If it happens at once, check the "
                   f"prepared images (they must be finite values in [-1, 1]).")
        self.log.write(event="diverged", step=self.step, kimg=self.kimg, message=message)
        raise TrainingDiverged(message)

    # -- images and checkpoints -------------------------------------------------------------------
    def _save_reals(self, path: Path) -> Path:
        rows, cols = self.config.preview_grid
        n = rows * cols
        picks = np.random.default_rng([self.config.seed, 2]).choice(
            len(self.data), size=n, replace=len(self.data) < n)
        return runs.save_png_atomic(
            runs.image_grid(as_unit_float(self.data[np.sort(picks)]), rows, cols), path)

    def generate(self, latents: np.ndarray) -> np.ndarray:
        """EMA-generator images in [-1, 1] for the given latents, (N, res, res, 3) float32."""
        self.build()
        return self.model.generate(latents)

    def save_preview(self) -> Path:
        rows, cols = self.config.preview_grid
        images = self.generate(self.model.preview_z.numpy())
        path = runs.fakes_path(self.run_dir, self.images)
        self.preview_step = self.step
        runs.save_png_atomic(runs.image_grid(images, rows, cols), path)
        self.log.write(event="preview", step=self.step, kimg=self.kimg, path=path.name)
        self.latest_grid = path
        return path

    def save_checkpoint(self) -> Path:
        """Write a checkpoint atomically (temporary folder, then rename); keep the last few."""
        self.build()
        fresh = not (self.run_dir / runs.CHECKPOINTS_DIR / f"ckpt-{self.step:09d}").is_dir()
        path = self.checkpoints.save(self.ada.state())
        if fresh and hasattr(self, "log"):
            self.log.write(event="checkpoint", step=self.step, kimg=self.kimg, path=path.name)
        return path


def make_training_job(trainer: GanTrainer, paths=None, cache_dir=None):
    """The core job the GAN tab runs: prepare ``paths`` into ``cache_dir`` first when given
    (cached: instant when unchanged), then train. Pause and resume go through ``trainer``."""
    from ganime_gui.core.gan.dataset import prepare_dataset

    def job(progress: ProgressFn, cancelled: CancelledFn) -> TrainResult:
        if paths is not None:
            prepared = prepare_dataset(paths, cache_dir, trainer.config.resolution, progress, cancelled)
            progress(prepared.count, prepared.count, f"Prepared {prepared.count} images"
                     + (f" ({len(prepared.skipped)} unreadable, skipped)" if prepared.skipped else ""),
                     event=events.SetPrepared(str(prepared.path), prepared.count, len(prepared.skipped)))
            trainer.data_path = prepared.path
        return trainer.run(progress, cancelled)

    return job
