"""The generator outside the app: a ``.keras`` file plain Keras loads, and PNG samples.

``export_generator`` saves a run's EMA generator (the one previews and scores use) with
``model.save``: it is built only from Keras's own layers, so ``keras.saving.load_model(path)``
loads it on a machine without this package. Beside it, ``<name>.json`` says how to use it::

    import keras, numpy as np
    g = keras.saving.load_model("generator.keras")
    z = np.random.default_rng(0).standard_normal((16, 128)).astype("float32")   # latent_dim
    pixels = np.clip(np.rint((g.predict(z) + 1) * 127.5), 0, 255).astype("uint8")  # (16, 64, 64, 3)
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from ganime_gui.core.fsutil import atomic_path, atomic_write_text, commit, temp_path
from ganime_gui.core.gan import runs
from ganime_gui.core.gan.dataset import to_uint8
from ganime_gui.core.jobs import (CancelledFn, ProgressFn, UserError, check_cancelled, never_cancelled,
                                  no_progress)

SIDECAR_FORMAT = "ganime-generator-1"


def sidecar_path(keras_path: str | Path) -> Path:
    return Path(keras_path).with_suffix(".json")


def generator_info(trainer, run_dir: Path) -> dict:
    cfg = trainer.config
    return {
        "format": SIDECAR_FORMAT,
        "resolution": cfg.resolution,
        "latent_dim": cfg.latent_dim,
        "input": f"float32 latents of shape (N, {cfg.latent_dim}), each entry drawn from a standard normal",
        "output": f"float32 images of shape (N, {cfg.resolution}, {cfg.resolution}, 3), RGB in [-1, 1]",
        "to_pixels": "uint8 = clip(round((output + 1) * 127.5), 0, 255)",
        "weights": "exponential moving average of the generator (what the app's previews show)",
        "arch": cfg.arch, "base_channels": cfg.base_channels, "kimg": trainer.kimg, "step": trainer.step,
        "run": str(run_dir.resolve()),
    }


def export_generator(run_dir: str | Path, dest: str | Path, checkpoint: str | Path | None = None,
                     trainer=None) -> Path:
    """Write the run's EMA generator as ``dest`` (``.keras``) and its ``.json`` sidecar."""
    from ganime_gui.core.gan.checkpoints import load_generator

    run_dir, dest = Path(run_dir), Path(dest)
    if dest.suffix != ".keras":
        dest = dest.with_name(dest.name + ".keras")
    trainer = trainer or load_generator(run_dir, checkpoint)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with temp_path(dest.parent, prefix=f".{dest.stem}.", suffix=".keras") as tmp:  # Keras wants the suffix
        trainer.refresh_ema_statistics()
        trainer.G_ema.save(tmp)
        commit(tmp, dest)
    atomic_write_text(sidecar_path(dest), json.dumps(generator_info(trainer, run_dir), indent=1))
    return dest


def write_samples(trainer, count: int, out_dir: str | Path, seed: int = 0,
                  progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled) -> list[Path]:
    """``count`` PNGs from the EMA generator, ``sample-<seed>-00000.png`` …; the same seed gives
    the same images."""
    if count < 1:
        raise UserError("Ask for at least one sample (--count 1 or more).")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    z = np.random.default_rng(seed).standard_normal((count, trainer.config.latent_dim)).astype(np.float32)
    paths = []
    for start in range(0, count, 64):
        check_cancelled(cancelled)
        for i, img in enumerate(to_uint8(trainer.generate(z[start:start + 64])), start):
            path = out_dir / f"sample-{seed}-{i:05d}.png"
            with atomic_path(path) as tmp:
                Image.fromarray(img).save(tmp, format="PNG")
            paths.append(path)
        progress(len(paths), count, f"Wrote {len(paths)} of {count} samples")
    return paths


def make_export_job(run_dir: str | Path, dest: str | Path, samples: int = 0, seed: int = 0):
    """A core job: export the generator to ``dest``; with ``samples``, also write that many PNGs
    into a folder beside it (``<name>-samples``)."""
    def job(progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled) -> Path:
        from ganime_gui.core.gan.checkpoints import load_generator

        progress(0, 0, "Loading the generator…")
        trainer = load_generator(run_dir)
        path = export_generator(run_dir, dest, trainer=trainer)
        if samples:
            write_samples(trainer, samples, path.with_name(f"{path.stem}-samples"), seed, progress, cancelled)
        progress(1, 1, f"Exported {path.name}", path=str(path))
        return path

    return job


def check_run(run_dir: str | Path) -> Path:
    run_dir = Path(run_dir)
    if not runs.is_run_dir(run_dir):
        raise UserError(f"{run_dir} is not a GAN run folder (it has no {runs.RUN_CONFIG}): give the folder "
                        f"train-gan or the GAN tab wrote.")
    if runs.latest_checkpoint(run_dir) is None:
        raise UserError(f"{run_dir} has no checkpoint yet: train it for a while first.")
    return run_dir
