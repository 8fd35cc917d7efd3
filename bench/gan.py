"""GAN benchmark, CPU: training images/s of the app's compiled DCGAN step vs an eager loop.

    python bench/gan.py [--res 64] [--batch 64] [--channels 64] [--steps 10] [--ui] [--ui-only]

Both loops run the same DCGAN (the app's networks, losses and optimisers) on the same synthetic
batches in one process, alternating step by step (medians): the app's step is the trainer's ``tf.function``; the eager loop calls the
same Python step function without it, as a straightforward Keras/TF loop would. Target >= 1.5x.
With ``--ui``: the Qt event loop's longest stall while the GAN tab trains (a 5 ms timer's largest
lateness), split into start-up (TensorFlow import, tracing the step) and steady training with
sample grids and loss curves updating. Target < 50 ms.
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


def time_interleaved(steps: dict, batches, warmup: int, rounds: int) -> dict:
    """Median seconds per step of each loop, alternating them step by step.

    Other work shares this machine and its load swings by 2x within a minute; alternating the
    loops exposes them to the same load, and medians drop the outliers.
    """
    for step in steps.values():
        for b in batches[:warmup]:
            [float(v) for v in step(b)]  # tracing, allocator warm-up
    times = {name: [] for name in steps}
    for i in range(rounds):
        b = batches[warmup + i % (len(batches) - warmup)]
        for name, step in steps.items():
            t = time.perf_counter()
            [float(v) for v in step(b)]  # fetching the losses syncs, as the trainer does every step
            times[name].append(time.perf_counter() - t)
    return {name: float(np.median(v)) for name, v in times.items()}


def bench_training(args) -> dict:
    from ganime_gui.core.gan.config import GanConfig
    from ganime_gui.core.gan.train import GanTrainer

    with tempfile.TemporaryDirectory() as tmp:
        data = synthetic_set(Path(tmp), 256, args.res)
        config = GanConfig(arch="dcgan", resolution=args.res, batch_size=args.batch,
                           base_channels=args.channels, seed=0)
        trainer = GanTrainer(config, data, Path(tmp) / "run")
        trainer.build()
        batches = [trainer._batch(i) for i in range(8)]
        t = time_interleaved({"compiled": trainer._train_step, "eager": trainer.make_step_fn()},
                             batches, warmup=2, rounds=args.steps)
        compiled, eager = t["compiled"], t["eager"]
    return {"compiled_img_s": args.batch / compiled, "eager_img_s": args.batch / eager,
            "ratio": eager / compiled}


def bench_ui_stall(args) -> dict:
    from PIL import Image
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from ganime_gui.core.project import Project
    from ganime_gui.ui.context import AppContext
    from ganime_gui.ui.gan_tab import GanTab

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "images"
        folder.mkdir()
        rng = np.random.default_rng(0)
        for i in range(128):
            Image.fromarray(rng.integers(0, 255, (80, 60, 3), dtype=np.uint8)).save(folder / f"{i}.png")
        context = AppContext()
        context.set_project(Project.create(Path(tmp) / "project"))
        tab = GanTab(context)
        tab.resize(1400, 860)
        tab.show()
        tab.set_folder(folder)
        tab.arch_combo.setCurrentIndex(tab.arch_combo.findData("dcgan"))
        tab.width_spin.setValue(args.ui_channels)
        tab.batch_spin.setValue(args.batch)
        tab.preview_spin.setValue(0.5)
        tab.kimg_spin.setValue(100000)

        clock = QElapsedTimer()
        clock.start()
        late_ms: dict[str, list[float]] = {"idle": [], "startup": [], "training": []}
        state = {"last": 0, "phase": "idle", "steps_seen": 0}

        def tick():
            now = clock.elapsed()
            late_ms[state["phase"]].append(now - state["last"] - 5)
            state["last"] = now

        def on_progress(done, total, message, extra):
            if extra.get("event") == "step" and done >= 3:  # traced, running steadily
                state["phase"] = "training"
                state["steps_seen"] = done

        def run_loop(seconds: float) -> None:
            loop = QEventLoop()
            QTimer.singleShot(int(seconds * 1000), loop.quit)
            loop.exec()

        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(tick)
        state["last"] = clock.elapsed()
        timer.start()
        run_loop(args.ui_idle_seconds)  # the machine's own noise: same window, nothing training
        state["phase"] = "startup"
        tab.start_new_run()
        tab.worker.progress.connect(on_progress)
        run_loop(args.ui_seconds)
        timer.stop()
        grids = len(tab.grids)
        tab.stop()
        while tab.is_running():
            run_loop(0.05)
        context.set_project(None)
    summary = {phase: (max(v) if v else 0.0, float(np.percentile(v, 99)) if v else 0.0)
               for phase, v in late_ms.items()}
    return {"lateness": summary, "steps": state["steps_seen"], "grids": grids}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--res", type=int, default=64)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--channels", type=int, default=64, help="base width (the app's default: 64)")
    parser.add_argument("--steps", type=int, default=10, help="timed steps per loop (alternating)")
    parser.add_argument("--ui", action="store_true", help="also measure the UI stall while training")
    parser.add_argument("--ui-seconds", type=float, default=40)
    parser.add_argument("--ui-idle-seconds", type=float, default=10)
    parser.add_argument("--ui-channels", type=int, default=16, help="base width for the UI run (more steps, more updates)")
    parser.add_argument("--ui-only", action="store_true", help="skip the images/s comparison")
    args = parser.parse_args()

    from ganime_gui.core.tfsetup import cpu_count
    print(f"GAN benchmark: DCGAN {args.res}×{args.res}, batch {args.batch}, base width {args.channels}, "
          f"{args.steps} timed steps; {platform.processor() or platform.machine()}, {cpu_count()} cores")
    if not args.ui_only:
        report_training(bench_training(args))
    if args.ui or args.ui_only:
        report_ui(bench_ui_stall(args), args)
    return 0


def report_training(r: dict) -> None:
    print(f"  app step (tf.function): {r['compiled_img_s']:8.1f} img/s")
    print(f"  eager loop:             {r['eager_img_s']:8.1f} img/s")
    print(f"  ratio:                  {r['ratio']:8.2f}x   (target >= 1.5x: {'met' if r['ratio'] >= 1.5 else 'NOT met'})")


def report_ui(u: dict, args) -> None:
    print(f"UI event loop (5 ms timer lateness) while the GAN tab trains: {args.ui_seconds:.0f} s, DCGAN "
          f"width {args.ui_channels}, {u['steps']} steps, {u['grids']} grids shown")
    names = {"idle": "idle tab, nothing training (machine noise)", "startup": "start-up: TF import, tracing",
             "training": "training"}
    for phase, (worst, p99) in u["lateness"].items():
        verdict = f"   (target < 50 ms: {'met' if worst < 50 else 'NOT met'})" if phase == "training" else ""
        print(f"  {names[phase]:<44} longest {worst:5.0f} ms, 99th percentile {p99:4.0f} ms{verdict}")


if __name__ == "__main__":
    sys.exit(main())
