"""Latent interpolation: a walk between two latent vectors, as an image strip or an animated GIF."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from ganime_gui.core.gan.dataset import to_uint8
from ganime_gui.core.jobs import CancelledFn, ProgressFn, check_cancelled, never_cancelled, no_progress


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation: Gaussian latents keep their typical norm all the way (linear
    interpolation passes through low-norm vectors the generator rarely saw)."""
    a_n, b_n = a / np.linalg.norm(a), b / np.linalg.norm(b)
    omega = np.arccos(np.clip(np.dot(a_n, b_n), -1.0, 1.0))
    if omega < 1e-6:
        return (1 - t) * a + t * b
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def interpolation_latents(latent_dim: int, steps: int, seed: int = 0, keyframes: int = 2) -> np.ndarray:
    """``steps`` latents walking through ``keyframes`` random points (a loop when keyframes > 2)."""
    rng = np.random.default_rng(seed)
    keys = rng.standard_normal((keyframes, latent_dim))
    if keyframes > 2:
        keys = np.concatenate([keys, keys[:1]])  # return to the start: the GIF loops smoothly
    segments = len(keys) - 1
    out = []
    for i in range(steps):
        pos = i / max(1, steps - (0 if keyframes > 2 else 1)) * segments
        k = min(int(pos), segments - 1)
        out.append(slerp(keys[k], keys[k + 1], pos - k))
    return np.asarray(out, np.float32)


def save_strip(images: np.ndarray, path: str | Path) -> Path:
    images = to_uint8(images)
    Image.fromarray(np.concatenate(list(images), axis=1)).save(path)
    return Path(path)


def save_gif(images: np.ndarray, path: str | Path, frame_ms: int = 80) -> Path:
    frames = [Image.fromarray(img) for img in to_uint8(images)]
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=frame_ms, loop=0)
    return Path(path)


def make_interpolation_job(run_dir: str | Path, out_path: str | Path, steps: int = 32, seed: int = 0):
    """A core job: load the run's latest EMA generator and write the walk as .gif or a .png strip."""
    out_path = Path(out_path)

    def job(progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled) -> Path:
        from ganime_gui.core.gan.checkpoints import load_generator

        progress(0, 2, "Loading the generator…")
        trainer = load_generator(run_dir)
        check_cancelled(cancelled)
        gif = out_path.suffix.lower() == ".gif"
        z = interpolation_latents(trainer.config.latent_dim, steps, seed, keyframes=4 if gif else 2)
        images = trainer.generate(z)
        progress(1, 2, "Writing the interpolation…")
        path = save_gif(images, out_path) if gif else save_strip(images, out_path)
        progress(2, 2, f"Saved {path.name}", path=str(path))
        return path

    return job
