"""Checkpoints of a run, and a generator loaded from one (for sampling, scores and exports).

A checkpoint folder ``checkpoints/ckpt-<step>/`` holds a ``tf.train.Checkpoint`` of everything
``GanModel.checkpoint_objects`` names (G, D, EMA G, both optimisers, step, images shown,
augmentation strength, the random generator's state, the preview latents) and ``state.json``.
It is written into a temporary folder and renamed into place, so a folder that exists is
complete; the last ``keep`` are kept.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from ganime_gui.core.fsutil import atomic_write_text
from ganime_gui.core.gan import runs
from ganime_gui.core.gan.config import GanConfig
from ganime_gui.core.jobs import UserError
from ganime_gui.core.tfsetup import import_tensorflow


class CheckpointStore:
    def __init__(self, run_dir: str | Path, model, keep: int = 3):
        tf = import_tensorflow()
        self.run_dir, self.model, self.keep = Path(run_dir), model, keep
        self.checkpoint = tf.train.Checkpoint(**model.checkpoint_objects())
        self.last: Path | None = None

    def save(self, state: dict) -> Path:
        """Write a checkpoint of the model's step with ``state`` (plus step and kimg) beside it."""
        step = self.model.step
        root = self.run_dir / runs.CHECKPOINTS_DIR
        final = root / f"ckpt-{step:09d}"
        if final.is_dir():
            self.last = final
            return final
        self.model.refresh_ema_statistics()  # the statistics the saved EMA generator draws with
        tmp = root / f".tmp-ckpt-{step:09d}-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        try:
            self.checkpoint.write(str(tmp / runs.CHECKPOINT_PREFIX))
            full = {"step": step, "kimg": self.model.kimg,
                    "images_shown": int(self.model.images_shown.numpy()),
                    "augment_p": float(self.model.augment_p.numpy()), **state, "time": time.time(),
                    "config": self.model.config.to_dict()}
            atomic_write_text(tmp / "state.json", json.dumps(full, indent=1))
            os.replace(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.last = final
        for old in runs.list_checkpoints(self.run_dir)[:-max(1, self.keep)]:
            shutil.rmtree(old, ignore_errors=True)
        return final

    def restore(self, checkpoint_dir: str | Path) -> dict:
        """Load a checkpoint into the model; returns its state.json."""
        checkpoint_dir = Path(checkpoint_dir)
        status = self.checkpoint.read(str(checkpoint_dir / runs.CHECKPOINT_PREFIX))
        status.assert_existing_objects_matched()
        self.last = checkpoint_dir
        return runs.checkpoint_state(checkpoint_dir)

    def restore_latest(self) -> dict:
        ckpt = runs.latest_checkpoint(self.run_dir)
        if ckpt is None:
            raise UserError(f"There is no checkpoint to resume from in {self.run_dir}.")
        return self.restore(ckpt)


def load_generator(run_dir: str | Path, checkpoint: str | Path | None = None):
    """The run's ``GanModel`` restored from a checkpoint (latest by default), for sampling, scores
    and exports: use its ``generate``, ``G_ema``, ``preview_z``, ``config``, ``step`` and ``kimg``."""
    from ganime_gui.core.gan.step import build_gan_model

    run_dir = Path(run_dir)
    config = GanConfig.from_dict(runs.read_run_info(run_dir)["config"])
    ckpt = Path(checkpoint) if checkpoint else runs.latest_checkpoint(run_dir)
    if ckpt is None:
        raise UserError(f"{run_dir} has no checkpoint yet.")
    model = build_gan_model(config)
    CheckpointStore(run_dir, model).restore(ckpt)
    return model
