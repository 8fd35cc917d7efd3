"""The GAN trainer: a long-lived core job with compiled steps, pause/resume/stop and checkpoints.

``GanTrainer(config, data_path, run_dir).run(progress, cancelled)`` is a core job (see
``ganime_gui.core.jobs``). It trains until ``config.total_kimg`` or until ``cancelled()``; while
:meth:`GanTrainer.pause` is in force it checkpoints once and waits. Everything a resume needs is
in the checkpoint: G, D, EMA G, both optimisers, step and images shown, augmentation strength,
the random generator's state and the fixed preview latents. Training batches are a pure function
of (seed, step), so a resumed run draws the batches the uninterrupted one would have.
"""
from __future__ import annotations

import json
import math
import os
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import numpy as np

from ganime_gui.core.fsutil import atomic_write_text
from ganime_gui.core.gan import runs
from ganime_gui.core.gan.config import GanConfig, next_preview_images
from ganime_gui.core.gan.dataset import BatchSampler, as_unit_float, load_array
from ganime_gui.core.jobs import (CancelledFn, JobCancelled, ProgressFn, UserError,
                                  never_cancelled, no_progress)

_PROGRESS_INTERVAL_S = 0.2  # at most five step reports a second: the UI needs no more
_ADA_INTERVAL_STEPS = 4     # ADA adjusts p every 4 steps, as StyleGAN2-ADA


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
    structural = {"arch", "resolution", "latent_dim", "base_channels", "max_channels", "batch_size"}
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
        """``metrics``: a :class:`ganime_gui.core.gan.metrics.MetricsPlan` to score KID/FID during
        training; ``devices``: explicit devices for data-parallel training (None: all GPUs)."""
        self.config = config
        self.metrics = metrics
        self._scorer = None
        self.data_path = Path(data_path) if data_path is not None else None  # None: sampling only
        self.run_dir = Path(run_dir)
        self.resume = resume
        self.devices = devices
        self._unpaused = threading.Event()
        self._unpaused.set()
        self._built = False
        self._speed: float | None = None  # seconds per step, smoothed
        self._preview_step = -1
        self._window: list[tuple[float, float, float]] = []

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
        """Import TensorFlow, build models, optimisers and state, restore a checkpoint if resuming."""
        if self._built:
            return
        from ganime_gui.core.gan.distribute import check_batch_divides, make_strategy
        from ganime_gui.core.gan.models import build_models
        from ganime_gui.core.tfsetup import import_tensorflow

        tf = self.tf = import_tensorflow()
        import keras

        cfg = self.config
        if self.data_path is not None:
            self.data = load_array(self.data_path)
            if self.data.shape[1] != cfg.resolution:
                raise UserError(f"The prepared set holds {self.data.shape[1]}×{self.data.shape[1]} images "
                                f"but the run is set to {cfg.resolution}×{cfg.resolution}: prepare the set "
                                f"at {cfg.resolution} or change the resolution.")
            self.sampler = BatchSampler(self.data, cfg.batch_size, cfg.seed, cfg.mirror)
        self.strategy = make_strategy(self.devices)
        check_batch_divides(cfg.batch_size, self.strategy)
        rows, cols = cfg.preview_grid
        latents = np.random.default_rng([cfg.seed, 1]).standard_normal((rows * cols, cfg.latent_dim))
        with self.strategy.scope():
            keras.utils.set_random_seed(cfg.seed)  # weight initialisation
            self.G, self.D, self.G_ema = build_models(cfg)
            b1, b2 = cfg.spec.betas
            self.g_opt = keras.optimizers.Adam(cfg.generator_lr, beta_1=b1, beta_2=b2)
            self.d_opt = keras.optimizers.Adam(cfg.discriminator_lr, beta_1=b1, beta_2=b2)
            # Keras 3 creates optimiser slots lazily; build them now so a restore has targets.
            self.g_opt.build(self.G.trainable_variables)
            self.d_opt.build(self.D.trainable_variables)
            self.rng = tf.random.Generator.from_seed(cfg.seed)
            self.step_var = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
            self.images_shown = tf.Variable(0, dtype=tf.int64, trainable=False, name="images_shown")
            p0 = (0.0 if cfg.augment_target is not None else cfg.augment_p) if cfg.spec.augment else 0.0
            self.augment_p = tf.Variable(p0, dtype=tf.float32, trainable=False, name="augment_p")
            self.preview_z = tf.Variable(latents.astype(np.float32), trainable=False, name="preview_z")
        self.checkpoint = tf.train.Checkpoint(
            generator=self.G, discriminator=self.D, generator_ema=self.G_ema,
            g_optimizer=self.g_opt, d_optimizer=self.d_opt, rng=self.rng, step=self.step_var,
            images_shown=self.images_shown, augment_p=self.augment_p, preview_z=self.preview_z)
        self.ada_sum, self.ada_count = 0.0, 0
        self.last_checkpoint: Path | None = None
        if self.resume:
            self._restore_latest()
        self._train_step = tf.function(self.make_step_fn())
        self._preview_fn = tf.function(lambda z: self.G_ema(z, training=False))
        self._built = True

    def _restore_latest(self) -> None:
        ckpt = runs.latest_checkpoint(self.run_dir)
        if ckpt is None:
            raise UserError(f"There is no checkpoint to resume from in {self.run_dir}.")
        self.restore(ckpt)

    def restore(self, checkpoint_dir: str | Path) -> None:
        checkpoint_dir = Path(checkpoint_dir)
        status = self.checkpoint.read(str(checkpoint_dir / runs.CHECKPOINT_PREFIX))
        status.assert_existing_objects_matched()
        state = runs.checkpoint_state(checkpoint_dir)
        self.ada_sum, self.ada_count = state.get("ada_sum", 0.0), state.get("ada_count", 0)
        self.last_checkpoint = checkpoint_dir

    # -- the compiled step ------------------------------------------------------------------------
    def make_step_fn(self):
        """The Python function of one training step (D updates, then one G update).

        The trainer wraps it in ``tf.function``; the benchmark also runs it eagerly to compare.
        Its argument is a (n_critic, batch, H, W, 3) batch of reals (per replica when distributed).
        """
        from ganime_gui.core.gan.augment import diff_augment

        tf, cfg, spec = self.tf, self.config, self.config.spec
        G, D, rng, strategy = self.G, self.D, self.rng, self.strategy
        global_batch = cfg.batch_size

        def augment(x):
            return diff_augment(x, rng, self.augment_p, tf=tf) if spec.augment else x

        def d_per_example(real_logits, fake_logits):
            if spec.loss == "hinge":
                return tf.nn.relu(1.0 - real_logits) + tf.nn.relu(1.0 + fake_logits)
            if spec.loss == "nonsaturating":
                return tf.nn.softplus(-real_logits) + tf.nn.softplus(fake_logits)
            return fake_logits - real_logits  # wgan-gp

        def g_per_example(fake_logits):
            if spec.loss == "nonsaturating":
                return tf.nn.softplus(-fake_logits)
            return -fake_logits  # hinge and wgan: the generator raises D's score

        def gradient_penalty(reals, fakes):
            eps = rng.uniform([tf.shape(reals)[0], 1, 1, 1])
            mixed = eps * reals + (1.0 - eps) * fakes
            with tf.GradientTape() as tape:
                tape.watch(mixed)
                scores = D(mixed, training=True)
            grads = tape.gradient(scores, mixed)
            norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
            return tf.square(norms - 1.0)

        def replica_step(reals):
            b = tf.shape(reals)[1]
            real_sign = tf.constant(0.0)
            d_total = tf.constant(0.0)
            # Several critic steps run as a graph loop (traced once) rather than unrolled.
            critic_steps = tf.range(spec.n_critic) if spec.n_critic > 1 else range(1)
            for i in critic_steps:
                x = reals[i]
                z = rng.normal([b, cfg.latent_dim])
                with tf.GradientTape() as tape:
                    fakes = G(z, training=True)
                    real_logits = tf.reshape(D(augment(x), training=True), [-1])
                    fake_logits = tf.reshape(D(augment(fakes), training=True), [-1])
                    per_example = d_per_example(real_logits, fake_logits)
                    if spec.gp_weight:
                        per_example += spec.gp_weight * gradient_penalty(x, fakes)
                    d_loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
                grads = tape.gradient(d_loss, D.trainable_variables)
                self.d_opt.apply_gradients(zip(grads, D.trainable_variables))
                d_total += d_loss / spec.n_critic
                real_sign += tf.reduce_sum(tf.sign(real_logits)) / spec.n_critic
            z = rng.normal([b, cfg.latent_dim])
            with tf.GradientTape() as tape:
                fake_logits = tf.reshape(D(augment(G(z, training=True)), training=True), [-1])
                g_loss = tf.nn.compute_average_loss(g_per_example(fake_logits), global_batch_size=global_batch)
            grads = tape.gradient(g_loss, G.trainable_variables)
            self.g_opt.apply_gradients(zip(grads, G.trainable_variables))
            return d_total, g_loss, real_sign

        def train_step(reals):
            d_loss, g_loss, real_sign = strategy.run(replica_step, args=(reals,))
            total = tf.distribute.ReduceOp.SUM
            d_loss = strategy.reduce(total, d_loss, axis=None)
            g_loss = strategy.reduce(total, g_loss, axis=None)
            real_sign = strategy.reduce(total, real_sign, axis=None)
            self.images_shown.assign_add(cfg.images_per_step)
            self.step_var.assign_add(1)
            self._update_ema()
            return d_loss, g_loss, real_sign / global_batch

        return train_step

    def _update_ema(self) -> None:
        """G_ema <- lerp towards G, half-life ema_kimg (ramped up early on, as StyleGAN2-ADA)."""
        tf, cfg = self.tf, self.config
        shown = tf.cast(self.images_shown, tf.float32)
        ema_nimg = tf.minimum(cfg.ema_kimg * 1000.0, shown * cfg.ema_rampup) if cfg.ema_rampup else cfg.ema_kimg * 1000.0
        beta = tf.pow(0.5, cfg.images_per_step / tf.maximum(ema_nimg, 1e-8))
        for e, g in zip(self.G_ema.trainable_weights, self.G.trainable_weights):
            e.assign(g + (e - g) * beta)
        for e, g in zip(self.G_ema.non_trainable_weights, self.G.non_trainable_weights):
            e.assign(g)  # batch-norm statistics are copied, not averaged

    # -- the job ----------------------------------------------------------------------------------
    @property
    def step(self) -> int:
        return int(self.step_var.numpy())

    @property
    def kimg(self) -> float:
        return int(self.images_shown.numpy()) / 1000.0

    @property
    def total_steps(self) -> int:
        if not self.config.total_kimg:
            return 0
        return max(1, math.ceil(self.config.total_kimg * 1000.0 / self.config.images_per_step - 1e-6))

    def run(self, progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled) -> TrainResult:
        """Train until ``total_kimg`` or ``cancelled()``; checkpoint on the way and at the end."""
        if self.data_path is None:
            raise UserError("Choose a prepared image set to train on.")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if not self.resume and runs.list_checkpoints(self.run_dir):
            raise UserError(f"{self.run_dir} already holds a run: resume it, or choose an empty folder "
                            f"for a new run.")
        progress(0, 0, "Starting TensorFlow and building the networks…", run_dir=str(self.run_dir))
        self.build()
        cfg = self.config
        runs.write_run_info(self.run_dir, cfg, self.data_path)
        self.log = runs.RunLog(self.run_dir)
        self.log.write(event="resume" if self.resume else "start", step=self.step, kimg=self.kimg,
                       config=cfg.to_dict(), replicas=self.strategy.num_replicas_in_sync)
        reals_path = self.run_dir / runs.REALS_NAME
        if not reals_path.exists():
            self._save_reals(reals_path)
        latest_grid = runs.list_fake_grids(self.run_dir)[-1][1] if runs.list_fake_grids(self.run_dir) else None
        if latest_grid is None:
            latest_grid = self._save_preview()
        progress(self.step, self.total_steps, "Real images", reals=str(reals_path), grid=str(latest_grid),
                 event="reals", **self._status())

        next_preview = next_preview_images(int(self.images_shown.numpy()), cfg)
        m_every = self.metrics.every_kimg * 1000 if self.metrics and self.metrics.every_kimg else 0
        next_metric = (int(self.images_shown.numpy() // m_every) + 1) * m_every if m_every else math.inf
        ck_every = cfg.checkpoint_every_kimg * 1000
        next_ckpt = (int(self.images_shown.numpy() // ck_every) + 1) * ck_every if ck_every else math.inf
        last_ckpt_time = time.monotonic()
        last_report = 0.0
        self._window = []  # (d_loss, g_loss, seconds) of the steps since the last log line
        executor = ThreadPoolExecutor(1, thread_name_prefix="gan-batches")
        try:
            pending = executor.submit(self._batch, self.step)
            while self.total_steps == 0 or self.step < self.total_steps:
                if cancelled():
                    return self._stop(progress, latest_grid)
                if self.paused:
                    self._wait_while_paused(progress, cancelled, latest_grid)
                    continue
                t0 = time.perf_counter()
                batch = pending.result()
                pending = executor.submit(self._batch, self.step + 1)
                d_loss, g_loss, real_sign = (float(v) for v in self._train_step(
                    self._distribute(batch)))
                seconds = time.perf_counter() - t0
                self._check_finite(d_loss, g_loss)
                self._track_speed(seconds)
                self._adapt_augmentation(real_sign)
                self._window.append((d_loss, g_loss, seconds))
                shown = int(self.images_shown.numpy())
                event = None
                if shown >= next_preview:
                    latest_grid = self._save_preview()
                    next_preview = next_preview_images(shown, cfg)
                    event = "preview"
                if shown >= next_metric and self.metrics:
                    self._score(progress, cancelled)
                    next_metric = (shown // m_every + 1) * m_every
                if len(self._window) >= cfg.log_every_steps:
                    self._flush_log()
                minutes = (time.monotonic() - last_ckpt_time) / 60
                if shown >= next_ckpt or (cfg.checkpoint_every_minutes and minutes >= cfg.checkpoint_every_minutes):
                    self.save_checkpoint()
                    next_ckpt = (shown // ck_every + 1) * ck_every if ck_every else math.inf
                    last_ckpt_time = time.monotonic()
                    event = event or "checkpoint"
                now = time.monotonic()
                if event or now - last_report >= _PROGRESS_INTERVAL_S:
                    last_report = now
                    progress(self.step, self.total_steps, f"{self.kimg:.1f} kimg", grid=str(latest_grid),
                             d_loss=d_loss, g_loss=g_loss, event=event or "step", **self._status())
            self._flush_log()
            if self._preview_step != self.step:
                latest_grid = self._save_preview()
            ckpt = self.save_checkpoint()
            self.log.write(event="finished", step=self.step, kimg=self.kimg)
            progress(self.step, self.total_steps, f"Finished at {self.kimg:.1f} kimg", grid=str(latest_grid),
                     event="finished", **self._status())
            return TrainResult(self.run_dir, self.step, self.kimg, ckpt, finished=True)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)

    def _score(self, progress: ProgressFn, cancelled: CancelledFn) -> None:
        """SWD (and KID/FID with a feature network) of the EMA generator now; logged and reported
        as a ``metric`` event. A network that cannot load leaves SWD, said once in the log."""
        from ganime_gui.core.gan.metrics import GeneratorScorer

        def quiet(done, total, message="", **extra):  # keep the training progress bar meaning steps
            progress(self.step, self.total_steps, f"{message} ({done}/{total})", event="scoring")

        if self._scorer is None:
            self._scorer = GeneratorScorer(self.metrics.extractor_factory, self.data, self.metrics.samples)
            if self._scorer.note:
                message = f"{self._scorer.note}; SWD goes on."
                self.log.write(event="metric_failed", step=self.step, kimg=self.kimg, message=message)
                progress(self.step, self.total_steps, message, event="metric_failed", **self._status())
        try:
            result = self._scorer.score(self.generate, self.config.latent_dim, self.kimg, quiet, cancelled)
        except JobCancelled:
            return  # the training loop sees cancelled() next and stops with a checkpoint
        self.log.write(event="metric", step=self.step, **result.to_dict())
        progress(self.step, self.total_steps, result.label(), event="metric", metric=result.to_dict(),
                 **self._status())

    def _batch(self, step: int) -> np.ndarray:
        n = self.config.spec.n_critic
        return np.stack([self.sampler.batch(step, i) for i in range(n)])

    def _distribute(self, batch: np.ndarray):
        from ganime_gui.core.gan.distribute import split_over_replicas
        return split_over_replicas(self.strategy, batch)

    def _stop(self, progress: ProgressFn, latest_grid) -> NoReturn:
        self._flush_log()
        self.save_checkpoint()
        self.log.write(event="stopped", step=self.step, kimg=self.kimg)
        progress(self.step, self.total_steps, f"Stopped at {self.kimg:.1f} kimg; checkpoint saved",
                 grid=str(latest_grid), event="stopped", **self._status())
        raise JobCancelled()

    def _wait_while_paused(self, progress: ProgressFn, cancelled: CancelledFn, latest_grid) -> None:
        self._flush_log()
        self.save_checkpoint()
        self.log.write(event="paused", step=self.step, kimg=self.kimg)
        progress(self.step, self.total_steps, f"Paused at {self.kimg:.1f} kimg", grid=str(latest_grid),
                 event="paused", **self._status())
        while not self._unpaused.wait(0.1):
            if cancelled():
                return  # the loop sees cancelled() next and stops
        self.log.write(event="unpaused", step=self.step, kimg=self.kimg)
        progress(self.step, self.total_steps, "Resumed", event="unpaused", **self._status())

    def _status(self) -> dict:
        cfg = self.config
        sec_per_step = self._speed or 0.0
        sec_per_kimg = sec_per_step * 1000 / cfg.images_per_step if sec_per_step else 0.0
        remaining = (self.total_steps - self.step) * sec_per_step if self.total_steps and sec_per_step else None
        return dict(kimg=self.kimg, step=self.step, total_kimg=cfg.total_kimg,
                    sec_per_kimg=sec_per_kimg,
                    img_per_s=cfg.images_per_step / sec_per_step if sec_per_step else 0.0,
                    eta_s=remaining,
                    augment_p=float(self.augment_p.numpy()) if cfg.spec.augment else None,
                    checkpoint=str(self.last_checkpoint) if self.last_checkpoint else None)

    def _track_speed(self, seconds: float) -> None:
        # The first calls include tracing; an exponential average forgets them quickly.
        self._speed = seconds if self._speed is None else 0.9 * self._speed + 0.1 * seconds

    def _check_finite(self, d_loss: float, g_loss: float) -> None:
        limit = self.config.divergence_limit
        bad = [(name, v) for name, v in (("discriminator", d_loss), ("generator", g_loss))
               if not math.isfinite(v) or abs(v) > limit]
        if not bad:
            return
        name, value = bad[0]
        what = "became NaN" if math.isnan(value) else (
            "became infinite" if math.isinf(value) else f"reached {value:.3g}")
        keep = (f"The last good checkpoint is kept: {self.last_checkpoint.name} at "
                f"{runs.checkpoint_state(self.last_checkpoint)['kimg']:.1f} kimg; resume from it with a "
                f"lower learning rate." if self.last_checkpoint else
                "No checkpoint was written before it happened: start again with a lower learning rate.")
        message = (f"Training diverged at step {self.step} ({self.kimg:.1f} kimg): the {name} loss {what}. "
                   f"Nothing after that step was saved. {keep} If it happens at once, check the "
                   f"prepared images (they must be finite values in [-1, 1]).")
        self.log.write(event="diverged", step=self.step, kimg=self.kimg, message=message)
        raise TrainingDiverged(message)

    def _adapt_augmentation(self, real_sign: float) -> None:
        cfg = self.config
        if not (cfg.spec.augment and cfg.augment_target is not None):
            return
        self.ada_sum += real_sign
        self.ada_count += 1
        if self.ada_count >= _ADA_INTERVAL_STEPS:
            rt = self.ada_sum / self.ada_count
            adjust = np.sign(rt - cfg.augment_target) * (cfg.images_per_step * self.ada_count) / (
                cfg.augment_speed_kimg * 1000)
            self.augment_p.assign(float(np.clip(self.augment_p.numpy() + adjust, 0.0, 1.0)))
            self.ada_sum, self.ada_count = 0.0, 0

    def _flush_log(self) -> None:
        """Write the mean losses and speed of the steps since the last log line."""
        if not self._window:
            return
        arr = np.asarray(self._window)
        self._window = []
        status = self._status()
        self.log.write(step=self.step, kimg=self.kimg, d_loss=float(arr[:, 0].mean()),
                       g_loss=float(arr[:, 1].mean()), sec_per_kimg=status["sec_per_kimg"],
                       img_per_s=status["img_per_s"], augment_p=status["augment_p"])

    # -- images -----------------------------------------------------------------------------------
    def _save_reals(self, path: Path) -> Path:
        rows, cols = self.config.preview_grid
        n = rows * cols
        picks = np.random.default_rng([self.config.seed, 2]).choice(
            len(self.data), size=n, replace=len(self.data) < n)
        return runs.save_png_atomic(runs.image_grid(as_unit_float(self.data[np.sort(picks)]), rows, cols), path)

    def generate(self, latents: np.ndarray) -> np.ndarray:
        """EMA-generator images in [-1, 1] for the given latents, (N, res, res, 3) float32."""
        self.build()
        out = [self._preview_fn(self.tf.constant(latents[i:i + 64], self.tf.float32)).numpy()
               for i in range(0, len(latents), 64)]
        return np.concatenate(out)

    def _save_preview(self) -> Path:
        rows, cols = self.config.preview_grid
        images = self.generate(self.preview_z.numpy())
        path = runs.fakes_path(self.run_dir, int(self.images_shown.numpy()))
        self._preview_step = self.step
        runs.save_png_atomic(runs.image_grid(images, rows, cols), path)
        self.log.write(event="preview", step=self.step, kimg=self.kimg, path=path.name)
        return path

    # -- checkpoints ------------------------------------------------------------------------------
    def save_checkpoint(self) -> Path:
        """Write a checkpoint atomically (temporary folder, then rename); keep the last few."""
        root = self.run_dir / runs.CHECKPOINTS_DIR
        final = root / f"ckpt-{self.step:09d}"
        if final.is_dir():
            self.last_checkpoint = final
            return final
        tmp = root / f".tmp-ckpt-{self.step:09d}-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        try:
            self.checkpoint.write(str(tmp / runs.CHECKPOINT_PREFIX))
            state = {"step": self.step, "kimg": self.kimg, "images_shown": int(self.images_shown.numpy()),
                     "augment_p": float(self.augment_p.numpy()), "ada_sum": self.ada_sum,
                     "ada_count": self.ada_count, "time": time.time(), "config": self.config.to_dict()}
            atomic_write_text(tmp / "state.json", json.dumps(state, indent=1))
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.last_checkpoint = final
        for old in runs.list_checkpoints(self.run_dir)[:-max(1, self.config.keep_checkpoints)]:
            shutil.rmtree(old, ignore_errors=True)
        if hasattr(self, "log"):
            self.log.write(event="checkpoint", step=self.step, kimg=self.kimg, path=final.name)
        return final


def load_generator(run_dir: str | Path, checkpoint: str | Path | None = None) -> GanTrainer:
    """A trainer restored from a run's checkpoint (latest by default), for sampling and metrics.

    Use its :meth:`GanTrainer.generate` and ``preview_z``; it does not train unless run.
    """
    run_dir = Path(run_dir)
    info = runs.read_run_info(run_dir)
    trainer = GanTrainer(GanConfig.from_dict(info["config"]), None, run_dir, resume=False)
    trainer.build()
    ckpt = Path(checkpoint) if checkpoint else runs.latest_checkpoint(run_dir)
    if ckpt is None:
        raise UserError(f"{run_dir} has no checkpoint yet.")
    trainer.restore(ckpt)
    return trainer


def make_training_job(trainer: GanTrainer, paths=None, cache_dir=None):
    """The core job the GAN tab runs: prepare ``paths`` into ``cache_dir`` first when given
    (cached: instant when unchanged), then train. Pause and resume go through ``trainer``."""
    from ganime_gui.core.gan.dataset import prepare_dataset

    def job(progress: ProgressFn, cancelled: CancelledFn) -> TrainResult:
        if paths is not None:
            prepared = prepare_dataset(paths, cache_dir, trainer.config.resolution, progress, cancelled)
            progress(prepared.count, prepared.count, f"Prepared {prepared.count} images"
                     + (f" ({len(prepared.skipped)} unreadable, skipped)" if prepared.skipped else ""),
                     event="prepared", prepared=str(prepared.path), skipped=len(prepared.skipped))
            trainer.data_path = prepared.path
        return trainer.run(progress, cancelled)

    return job
