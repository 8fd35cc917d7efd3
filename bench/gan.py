"""GAN benchmark, CPU: training images/s of the app's compiled DCGAN step vs an eager loop.

    python bench/gan.py [--res 64] [--batch 64] [--channels 64] [--steps 5] [--ui] [--write-results]

Both loops run the same DCGAN (the app's networks, losses and optimisers) on the same synthetic
batches in one process: the app's step is the trainer's ``tf.function``; the eager loop calls the
same Python step function without it, as a straightforward Keras/TF loop would. Target >= 1.5x.
With ``--ui``: the Qt event loop's longest stall while the GAN tab trains, target < 50 ms.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402


def synthetic_set(folder: Path, count: int, res: int) -> Path:
    rng = np.random.default_rng(0)
    path = folder / "bench.npy"
    np.save(path, rng.uniform(-1, 1, (count, res, res, 3)).astype(np.float16))
    return path


def time_steps(step, batches, warmup: int) -> float:
    """Seconds per step, after ``warmup`` untimed steps (tracing, allocator warm-up)."""
    for b in batches[:warmup]:
        [float(v) for v in step(b)]
    t = time.perf_counter()
    for b in batches[warmup:]:
        [float(v) for v in step(b)]  # fetching the losses syncs, as the trainer does every step
    return (time.perf_counter() - t) / (len(batches) - warmup)


def bench_training(args) -> dict:
    from ganime_gui.core.gan.config import GanConfig
    from ganime_gui.core.gan.train import GanTrainer

    with tempfile.TemporaryDirectory() as tmp:
        data = synthetic_set(Path(tmp), 256, args.res)
        config = GanConfig(arch="dcgan", resolution=args.res, batch_size=args.batch,
                           base_channels=args.channels, seed=0)
        trainer = GanTrainer(config, data, Path(tmp) / "run")
        trainer.build()
        warmup = 2
        batches = [trainer._batch(i) for i in range(warmup + args.steps)]
        compiled = time_steps(trainer._train_step, batches, warmup)
        eager = time_steps(trainer.make_step_fn(), batches, warmup)
    return {"compiled_img_s": args.batch / compiled, "eager_img_s": args.batch / eager,
            "ratio": eager / compiled}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--res", type=int, default=64)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--channels", type=int, default=64, help="base width (the app's default: 64)")
    parser.add_argument("--steps", type=int, default=5, help="timed steps per loop")
    parser.add_argument("--write-results", action="store_true", help="print a RESULTS.md section to paste")
    args = parser.parse_args()

    from ganime_gui.core.tfsetup import cpu_count
    print(f"GAN benchmark: DCGAN {args.res}×{args.res}, batch {args.batch}, base width {args.channels}, "
          f"{args.steps} timed steps; {platform.processor() or platform.machine()}, {cpu_count()} cores")
    r = bench_training(args)
    print(f"  app step (tf.function): {r['compiled_img_s']:8.1f} img/s")
    print(f"  eager loop:             {r['eager_img_s']:8.1f} img/s")
    print(f"  ratio:                  {r['ratio']:8.2f}x   (target >= 1.5x: {'met' if r['ratio'] >= 1.5 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
