"""Adaptive discriminator augmentation (Karras et al. 2020): tune the DiffAugment strength p.

The overfitting heuristic r_t = E[sign(D(real))] is averaged over 4 steps; p moves up when r_t is
above ``augment_target`` and down when below, by (images in those steps) / (augment_speed_kimg ×
1000), clipped to [0, 1]: p can go from 0 to 1 in ``augment_speed_kimg``. The augmentations
themselves are ``augment.diff_augment``; p lives in the model (``GanModel.augment_p``).
"""
from __future__ import annotations

import numpy as np

from ganime_gui.core.gan.callbacks import StepLogs, TrainingCallback

INTERVAL_STEPS = 4  # as StyleGAN2-ADA


class AdaptiveAugmentation(TrainingCallback):
    def __init__(self):
        self.sum, self.count = 0.0, 0

    def state(self) -> dict:
        """What a checkpoint keeps (names as in every state.json so far)."""
        return {"ada_sum": self.sum, "ada_count": self.count}

    def load_state(self, state: dict) -> None:
        self.sum, self.count = state.get("ada_sum", 0.0), state.get("ada_count", 0)

    def on_step_end(self, trainer, logs: StepLogs) -> None:
        cfg = trainer.config
        if not (cfg.spec.augment and cfg.augment_target is not None):
            return
        self.sum += logs.real_sign
        self.count += 1
        if self.count >= INTERVAL_STEPS:
            rt = self.sum / self.count
            adjust = np.sign(rt - cfg.augment_target) * (cfg.images_per_step * self.count) / (
                cfg.augment_speed_kimg * 1000)
            p = trainer.model.augment_p
            p.assign(float(np.clip(p.numpy() + adjust, 0.0, 1.0)))
            self.sum, self.count = 0.0, 0
