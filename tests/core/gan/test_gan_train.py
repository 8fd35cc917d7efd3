"""The trainer: it learns, checkpoints, resumes exactly, stops cleanly and reports divergence."""
from __future__ import annotations

import json
import threading

import numpy as np
import pytest
from PIL import Image

from ganime_gui.core.gan import events, runs
from ganime_gui.core.gan.interpolate import interpolation_latents, make_interpolation_job
from ganime_gui.core.gan.train import GanTrainer, TrainingDiverged, load_generator, resume_config
from ganime_gui.core.jobs import JobCancelled, UserError


def weights_of(model):
    return [np.array(w) for w in model.get_weights()]


@pytest.mark.parametrize("arch", ["diffaug", "dcgan", "wgan-gp", "fastgan"])
def test_steps_change_generator_and_give_finite_images(arch, make_config, prepared_npy, tmp_path):
    config = make_config(arch=arch, total_kimg=0.016 * (5 if arch == "wgan-gp" else 1))
    trainer = GanTrainer(config, prepared_npy, tmp_path / "run")
    trainer.build()
    before = weights_of(trainer.model.G)
    reports = []
    result = trainer.run(lambda done, total, message="", **extra: reports.append((done, extra)))
    assert result.finished and result.step == 2
    after = weights_of(trainer.model.G)
    assert any(not np.allclose(a, b) for a, b in zip(before, after))
    images = trainer.generate(np.random.default_rng(0).standard_normal((5, 16)).astype(np.float32))
    assert images.shape == (5, 32, 32, 3)
    assert np.isfinite(images).all() and images.min() >= -1 and images.max() <= 1
    # What the GUI needs from a run: a reals grid, sample grids, the log and the progress values.
    assert (tmp_path / "run" / "reals.png").is_file() and runs.list_fake_grids(tmp_path / "run")
    final = reports[-1][1]["event"]
    assert isinstance(final, events.Finished)
    assert final.status.kimg == pytest.approx(config.images_per_step * 2 / 1000)
    assert final.status.img_per_s > 0 and final.status.grid and final.status.checkpoint
    assert (final.status.augment_p is None) == (arch not in ("diffaug", "fastgan"))
    kinds = [type(r[1]["event"]) for r in reports]
    assert kinds[0] is events.RunStarted and events.RealsSaved in kinds and events.StepDone in kinds
    losses = [r for r in runs.read_log(tmp_path / "run") if "d_loss" in r]
    assert losses and all(np.isfinite([r["d_loss"], r["g_loss"]]).all() for r in losses)


@pytest.mark.parametrize("arch", ["diffaug", "fastgan"])
def test_checkpoint_then_resume_continues_exactly(arch, make_config, prepared_npy, tmp_path):
    run_dir = tmp_path / "run"
    first = GanTrainer(make_config(arch=arch, total_kimg=0.024), prepared_npy, run_dir)
    first.run()
    saved_latents = first.model.preview_z.numpy()
    saved_rng = first.model.rng.state.numpy()
    saved_ema = weights_of(first.model.G_ema)
    assert first.step == 3

    config = resume_config(run_dir, total_kimg=0.040)
    resumed = GanTrainer(config, prepared_npy, run_dir, resume=True)
    resumed.build()
    assert resumed.step == 3 and resumed.kimg == pytest.approx(0.024)
    assert np.array_equal(resumed.model.preview_z.numpy(), saved_latents)
    assert np.array_equal(resumed.model.rng.state.numpy(), saved_rng)
    assert all(np.array_equal(a, b) for a, b in zip(weights_of(resumed.model.G_ema), saved_ema))
    assert resumed.model.g_opt.iterations.numpy() == first.model.g_opt.iterations.numpy()
    result = resumed.run()
    assert result.step == 5
    # And it ends exactly where an uninterrupted run of the same length ends.
    straight = GanTrainer(make_config(arch=arch, total_kimg=0.040), prepared_npy, tmp_path / "straight")
    straight.run()
    for name in ("G", "D", "G_ema"):
        for a, b in zip(getattr(straight.model, name).get_weights(),
                        getattr(resumed.model, name).get_weights()):
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)  # bit-equal on CPU here
    assert np.array_equal(straight.model.rng.state.numpy(), resumed.model.rng.state.numpy())
    log = runs.read_log(run_dir)
    assert [r["event"] for r in log if r.get("event") in ("start", "resume", "finished")] == \
        ["start", "finished", "resume", "finished"]


def test_resume_refuses_a_different_architecture(make_config, prepared_npy, tmp_path):
    run_dir = tmp_path / "run"
    runs.write_run_info(run_dir, make_config(), prepared_npy)
    with pytest.raises(UserError, match="resolution"):
        resume_config(run_dir, resolution=64)
    assert resume_config(run_dir, total_kimg=7.0).total_kimg == 7.0
    ckpt = run_dir / runs.CHECKPOINTS_DIR / "ckpt-000000004"
    ckpt.mkdir(parents=True)
    (ckpt / "state.json").write_text("{}")
    with pytest.raises(UserError, match="already holds a run"):
        GanTrainer(make_config(), prepared_npy, run_dir).run()


def test_stop_leaves_a_loadable_checkpoint(make_config, prepared_npy, tmp_path):
    run_dir = tmp_path / "run"
    trainer = GanTrainer(make_config(total_kimg=10), prepared_npy, run_dir)
    steps = []

    def progress(done, total, message="", **extra):
        steps.append(done)

    with pytest.raises(JobCancelled):
        trainer.run(progress, cancelled=lambda: len(steps) > 0 and steps[-1] >= 2)
    ckpt = runs.latest_checkpoint(run_dir)
    assert ckpt is not None and runs.checkpoint_state(ckpt)["step"] == trainer.step >= 2
    loaded = load_generator(run_dir)
    assert loaded.step == trainer.step
    assert np.array_equal(loaded.preview_z.numpy(), trainer.model.preview_z.numpy())
    z = trainer.model.preview_z.numpy()[:2]
    assert np.allclose(loaded.generate(z), trainer.generate(z), atol=1e-5)
    assert runs.read_log(run_dir)[-1]["event"] == "stopped"
    # The stopped run's checkpoint also drives exports: a looping latent walk as a GIF.
    gif = make_interpolation_job(run_dir, tmp_path / "walk.gif", steps=6)()
    with Image.open(gif) as im:
        assert im.n_frames == 6 and im.size == (32, 32)
    strip = make_interpolation_job(run_dir, tmp_path / "walk.png", steps=5)()
    assert Image.open(strip).size == (5 * 32, 32)


def test_pause_checkpoints_and_waits_until_unpaused(make_config, prepared_npy, tmp_path):
    trainer = GanTrainer(make_config(total_kimg=0.032), prepared_npy, tmp_path / "run")
    seen = []
    paused_at = {}

    def progress(done, total, message="", **extra):
        seen.append(type(extra.get("event")))
        if isinstance(extra.get("event"), events.StepDone) and done >= 1 and not paused_at:
            trainer.pause()
        if isinstance(extra.get("event"), events.Paused):
            paused_at["step"] = done
            # Unpause from another thread, as the GUI does, after checking nothing moves.
            threading.Timer(0.3, trainer.unpause).start()

    result = trainer.run(progress)
    assert events.Paused in seen and events.Resumed in seen and result.finished and result.step == 4
    states = [runs.checkpoint_state(c)["step"] for c in runs.list_checkpoints(tmp_path / "run")]
    assert paused_at["step"] in states


def test_nan_is_reported_in_words_and_last_good_checkpoint_kept(make_config, prepared_npy, tmp_path):
    run_dir = tmp_path / "run"
    trainer = GanTrainer(make_config(total_kimg=1.0, checkpoint_every_kimg=0.016, preview_every_kimg=0),
                         prepared_npy, run_dir)
    good = []

    def progress(done, total, message="", **extra):
        if isinstance(extra.get("event"), events.CheckpointSaved) and not good:
            good.append(runs.latest_checkpoint(run_dir))
            # Poison the training images from here on: the next batches carry NaN into the loss.
            trainer.sampler.data = np.full((10, 32, 32, 3), np.nan, np.float32)

    with pytest.raises(TrainingDiverged) as caught:
        trainer.run(progress)
    message = str(caught.value)
    assert "diverged" in message and "NaN" in message and good[0].name in message
    assert runs.latest_checkpoint(run_dir) == good[0]  # nothing after the NaN was saved
    assert runs.read_log(run_dir)[-1]["event"] == "diverged"


def test_adaptive_augmentation_moves_p_and_is_checkpointed(make_config, prepared_npy, tmp_path):
    # A target below any possible E[sign(D(real))] makes ADA raise p at every adjustment (every
    # 4 steps) by 4 steps × 8 images / 500 images; a target above it keeps p at its floor, 0.
    rising = GanTrainer(make_config(total_kimg=0.064, augment_target=-2.0, augment_speed_kimg=0.5),
                        prepared_npy, tmp_path / "up")
    rising.run()
    assert float(rising.model.augment_p.numpy()) == pytest.approx(2 * 4 * 8 / 500)
    state = json.loads((runs.latest_checkpoint(tmp_path / "up") / "state.json").read_text())
    assert state["augment_p"] == pytest.approx(2 * 4 * 8 / 500)


def test_interpolation_latents_walk_between_keyframes():
    z = interpolation_latents(16, steps=9, seed=3, keyframes=2)
    assert z.shape == (9, 16)
    ends = np.random.default_rng(3).standard_normal((2, 16))
    assert np.allclose(z[0], ends[0], atol=1e-5) and np.allclose(z[-1], ends[1], atol=1e-5)
    norms = np.linalg.norm(z, axis=1)
    assert norms.min() > 0.8 * min(np.linalg.norm(ends, axis=1))  # slerp keeps the norm up


def test_metrics_during_training_are_logged_and_reported(make_config, prepared_npy, tmp_path):
    from ganime_gui.core.gan.metrics import CallableFeatures, MetricsPlan

    toy = CallableFeatures(lambda px: np.concatenate([px.mean((1, 2)), px.std((1, 2))], 1), "toy", size=16)
    plan = MetricsPlan(lambda: toy, every_kimg=0.016, samples=12)
    trainer = GanTrainer(make_config(arch="dcgan", total_kimg=0.032), prepared_npy, tmp_path / "run",
                         metrics=plan)
    reported = []
    trainer.run(lambda done, total, message="", **extra:
                reported.append(getattr(extra.get("event"), "metric", None)))
    logged = [r for r in runs.read_log(tmp_path / "run") if r.get("event") == "metric"]
    assert [r["kimg"] for r in logged] == [0.016, 0.032]
    assert all(r["network"] == "toy" and r["fake_samples"] == 12 and np.isfinite(r["kid"]) for r in logged)
    assert all(r["swd"] > 0 and len(r["swd_levels"]) == 2 for r in logged)  # SWD beside KID/FID
    assert [m["kimg"] for m in reported if m] == [0.016, 0.032]


def test_a_failing_feature_network_does_not_stop_training_and_swd_goes_on(make_config, prepared_npy,
                                                                          tmp_path):
    from ganime_gui.core.gan.metrics import MetricsPlan

    def offline():
        raise UserError("Could not get the InceptionV3 ImageNet weights: offline.")

    trainer = GanTrainer(make_config(arch="dcgan", total_kimg=0.032), prepared_npy, tmp_path / "run",
                         metrics=MetricsPlan(offline, every_kimg=0.016, samples=12))
    assert trainer.run().finished
    log = runs.read_log(tmp_path / "run")
    failed = [r for r in log if r.get("event") == "metric_failed"]
    assert len(failed) == 1 and "offline" in failed[0]["message"] and "SWD goes on" in failed[0]["message"]
    scored = [r for r in log if r.get("event") == "metric"]
    assert [r["kimg"] for r in scored] == [0.016, 0.032]
    assert all(r["kid"] is None and r["swd"] > 0 and "no network" in r["swd_label"] for r in scored)


@pytest.mark.parametrize("arch", ["diffaug", "fastgan"])
def test_ema_generator_draws_with_its_own_batch_norm_statistics(arch, make_config, prepared_npy, tmp_path):
    """Standing statistics: G_ema's batch-norm means and variances are those of its own activations
    on the standing latents, not G's (whose weights differ from the average)."""
    import keras

    from ganime_gui.core.gan.step import batch_norm_layers

    trainer = GanTrainer(make_config(arch=arch, total_kimg=0.024), prepared_npy, tmp_path / "run")
    trainer.run()
    model = trainer.model
    trainer.generate(model.preview_z.numpy()[:2])
    norms = batch_norm_layers(model.G_ema)
    assert norms and len(norms) == len(batch_norm_layers(model.G))
    probe = keras.Model(model.G_ema.inputs, [layer.input for layer in norms])
    inputs = probe(model.standing_z, training=True)
    for layer, x, own in zip(norms, inputs, batch_norm_layers(model.G)):
        axes = tuple(range(len(x.shape) - 1))
        np.testing.assert_allclose(layer.moving_mean.numpy(), np.mean(x, axis=axes), rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(layer.moving_variance.numpy(), np.var(x, axis=axes), rtol=1e-3, atol=1e-4)
        assert not np.allclose(layer.moving_mean.numpy(), own.moving_mean.numpy(), rtol=1e-3, atol=1e-4)
