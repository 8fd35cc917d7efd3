"""GAN variants per image shown: the CPU preset with some settings changed, trained to fixed kimg
marks, SWD ×10³ of 2 000 EMA-generator images against the held-out set at each mark.

    python bench/gan_variants.py NAME 40,80,120,160 [SETTING=VALUE ...]

    # the three runs recorded in bench/RESULTS.md ("Mirror flips and minibatch stddev"):
    python bench/gan_variants.py base 40,80,120,160 mirror=False minibatch_std=0
    python bench/gan_variants.py mirror 40,80,120,160 minibatch_std=0
    python bench/gan_variants.py mbstd 40,80,120,160 mirror=False

This compares our own settings with each other at equal images shown (a footnote to
``bench/gan.py``, which measures the default against the peer and against time). Same data as
``bench/gan.py``; one line per mark: kimg, training minutes, SWD (64/32/16 px levels), speed, load.
Grids of 32 samples go to /tmp/<NAME>-<kimg>.png.
"""
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402

from gan import figure_set, generated  # noqa: E402


def value(text: str):
    if text in ("True", "False"):
        return text == "True"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def main() -> None:
    from ganime_gui.core.gan import runs
    from ganime_gui.core.gan.presets import PRESETS
    from ganime_gui.core.gan.swd import swd
    from ganime_gui.core.gan.train import GanTrainer
    from ganime_gui.core.jobs import JobCancelled
    from ganime_gui.core.tfsetup import import_tensorflow

    name, marks = sys.argv[1], [float(m) for m in sys.argv[2].split(",")]
    overrides = {k: value(v) for k, v in (a.split("=", 1) for a in sys.argv[3:])}
    train, held = figure_set(2000, seed=1), figure_set(2000, seed=2)
    import_tensorflow()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "train.npy"
        np.save(data, train)
        config = PRESETS["cpu"].config(resolution=64, total_kimg=0, checkpoint_every_minutes=0, **overrides)
        trainer = GanTrainer(config, data, Path(tmp) / "run")
        pending, trained, last = list(marks), [0.0], [time.perf_counter()]

        def cancelled() -> bool:  # before every step; the clock stands still while SWD is measured
            now = time.perf_counter()
            trained[0] += now - last[0]
            if pending and trainer.kimg >= pending[0]:
                mark = pending.pop(0)
                fakes = generated({"generate": trainer.generate, "latent": config.latent_dim}, 2000)
                s = swd(held, fakes)
                runs.image_grid(fakes[:32], 4, 8).save(f"/tmp/{name}-{mark:g}.png")
                print(f"{name} {trainer.kimg:6.1f} kimg  {trained[0] / 60:5.1f} min  SWD {s.swd:5.1f} "
                      f"({'/'.join(f'{v:.0f}' for v in s.levels)})  {trainer.images / trained[0]:.0f} img/s "
                      f"load {os.getloadavg()[0]:.1f}", flush=True)
            last[0] = time.perf_counter()
            return not pending

        try:
            trainer.run(lambda *a, **k: None, cancelled)
        except JobCancelled:  # how it stops after the last mark
            pass


if __name__ == "__main__":
    main()
