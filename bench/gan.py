"""GAN benchmark, CPU: the app's default for this machine against keras-io's ADA example, at equal
wall-clock time on the same prepared set, then SWD of each final generator against held-out images.

    python bench/gan.py [--minutes 10] [--slice 60] [--ui] [--ui-only] [--no-footnote]
    python bench/gan.py --long 60 [--every 10]     # the app alone: SWD over an hour of training
    python bench/gan.py --versus fastgan fastgan:16  # the default against other architectures, same preset

Data: the fake booru's figure generator (ganime_gui/fakebooru/figures.py), single not-chibi
figures, padded with white and resized to 64×64 by the app's own preparation; 2 000 to train on
and 2 000 held out (drawn once, cached under ~/.cache/ganime-bench).

Contestants, each for ``--minutes`` of training time, in alternating ``--slice``-second turns of
the same process and CPU (machine noise hits both; a turn ends at its next step boundary):
* the app: ``GanTrainer`` with the preset it picks on this machine (on a CPU: diffaug, width 32,
  batch 32), run as the tab runs it (previews, log, checkpoints on their schedule);
* the peer: keras-io's examples/generative/gan_ada.py (bench/keras_io_gan_ada.py: width 128,
  batch 128, its ADA, optimiser and EMA; ``fit()``), with only its data loading changed and its
  ImageNet KID off.
Reported: images/s, kimg reached, time to the first generated grid (in training time; the app's
first early preview at 0.25 kimg, the peer's plot every 5 epochs), SWD ×10³ of 2 000 EMA-generator
images against the held-out set, with real-vs-real (train vs held-out) and trivial baselines.
The old figure (the app's compiled step vs the same step run eagerly) comes last as a footnote.
With ``--ui``: the Qt event loop's longest stall while the GAN tab trains, target < 50 ms.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import numpy as np  # noqa: E402

CACHE = Path(os.environ.get("GANIME_BENCH_CACHE", Path.home() / ".cache" / "ganime-bench"))


# -- the data -----------------------------------------------------------------------------------
def figure_set(count: int, seed: int, res: int = 64) -> np.ndarray:
    """``count`` single not-chibi figures at res×res, uint8, prepared as the app prepares a set."""
    path = CACHE / f"figures-{count}-{seed}-{res}.npy"
    if path.is_file():
        return np.load(path)
    import random

    from ganime_gui.core.gan.dataset import pad_and_resize
    from ganime_gui.fakebooru.figures import draw_figure, figure_size, random_spec

    rng = random.Random(seed)
    out = np.empty((count, res, res, 3), np.uint8)
    for i in range(count):
        spec = random_spec(rng, chibi_fraction=0.0, two_characters=0.0)
        w, h = figure_size(spec, rng.randint(256, 384), rng)
        out[i] = pad_and_resize(draw_figure(spec, w, h, seed=rng.getrandbits(32)), res)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.npy")
    np.save(tmp, out)
    os.replace(tmp, path)
    return out


# -- equal time in alternating turns ------------------------------------------------------------
class Turns:
    """Contestants in threads take turns of ``slice_s`` seconds until each has had ``budget_s``
    of training time. Each calls :meth:`step_done` at every step boundary: it returns True when
    that contestant's budget is spent, and blocks while another one has the turn."""

    def __init__(self, names: list[str], slice_s: float, budget_s: float):
        self.names, self.slice_s, self.budget_s = list(names), slice_s, budget_s
        self.active = dict.fromkeys(names, 0.0)
        self.done: set[str] = set()
        self.current = names[0]
        self._cond = threading.Condition()
        self._turn_started = time.perf_counter()
        self._resumed = dict.fromkeys(names, time.perf_counter())

    def clock(self, name: str) -> float:
        """Training seconds ``name`` has had so far (counting the turn in progress)."""
        with self._cond:
            extra = time.perf_counter() - self._resumed[name] if self.current == name else 0.0
            return self.active[name] + extra

    def start(self, name: str) -> None:
        with self._cond:
            while self.current != name:
                self._cond.wait()
            self._resumed[name] = time.perf_counter()

    def step_done(self, name: str) -> bool:
        with self._cond:
            now = time.perf_counter()
            spent = self.active[name] + now - self._resumed[name]
            if spent >= self.budget_s:
                self.active[name] = spent
                self.done.add(name)
                self._hand_over(now)
                return True
            if now - self._turn_started < self.slice_s or len(self.done) == len(self.names) - 1:
                return False
            self.active[name] = spent
            self._hand_over(now)
            while self.current != name:
                self._cond.wait()
            self._resumed[name] = time.perf_counter()
            return False

    def paused(self, name: str):
        """A context in which ``name``'s clock stands still (measuring a generator mid-run)."""
        import contextlib

        @contextlib.contextmanager
        def pause():
            with self._cond:
                self.active[name] += time.perf_counter() - self._resumed[name]
            try:
                yield
            finally:
                with self._cond:
                    self._resumed[name] = time.perf_counter()
        return pause()

    def finish(self, name: str) -> None:
        """A contestant that ended on its own (or failed) gives up its turns."""
        with self._cond:
            if name not in self.done:
                self.done.add(name)
                if self.current == name:
                    self.active[name] += time.perf_counter() - self._resumed[name]
                    self._hand_over(time.perf_counter())

    def _hand_over(self, now: float) -> None:
        waiting = [n for n in self.names if n not in self.done]
        if waiting:
            i = self.names.index(self.current)
            order = self.names[i + 1:] + self.names[:i + 1]
            self.current = next(n for n in order if n not in self.done)
        self._turn_started = now
        self._cond.notify_all()


# -- the contestants ------------------------------------------------------------------------------
def run_app(name: str, turns: Turns, train_path: Path, run_dir: Path, result: dict,
            on_mark=None, marks_s: tuple[float, ...] = (), overrides: dict | None = None) -> None:
    """``on_mark(trainer, seconds)`` is called (with the clock paused) when the training time
    passes each of ``marks_s``."""
    from ganime_gui.core.gan import events
    from ganime_gui.core.gan.presets import machine_choice
    from ganime_gui.core.gan.train import GanTrainer
    from ganime_gui.core.jobs import JobCancelled

    choice = machine_choice()
    config = choice.preset.config(**{"resolution": 64, "total_kimg": 0, "checkpoint_every_minutes": 0,
                                     **(overrides or {})})
    settings = f"{choice.preset.title}, {config.arch}"
    if config.base_channels != choice.preset.base_channels:
        settings += f" at width {config.base_channels}"
    result.update(settings=settings, reason=choice.reason,
                  file_tag="app" if not overrides else "app-" + "-".join(map(str, overrides.values())))
    trainer = GanTrainer(config, train_path, run_dir)
    first_grid = []

    def progress(done, total, message="", **extra):
        if isinstance(extra.get("event"), events.PreviewSaved) and not first_grid:
            first_grid.append(turns.clock(name))

    stop = []

    pending = sorted(marks_s)

    def cancelled() -> bool:  # checked by the trainer before every step
        while pending and on_mark is not None and turns.clock(name) >= pending[0]:
            with turns.paused(name):
                on_mark(trainer, pending.pop(0))
        if not stop and turns.step_done(name):
            stop.append(True)
        return bool(stop)

    turns.start(name)
    try:
        trainer.run(progress, cancelled)
    except JobCancelled:
        pass
    finally:
        turns.finish(name)
    result.update(trainer=trainer, kimg=trainer.kimg, images=trainer.images,
                  seconds=turns.active[name], first_grid_s=first_grid[0] if first_grid else None,
                  generate=trainer.generate, latent=config.latent_dim, grid_dir=run_dir)


def run_peer(name: str, turns: Turns, train01: np.ndarray, out_dir: Path, result: dict) -> None:
    import keras
    import keras_io_gan_ada as peer

    from ganime_gui.core.gan import runs

    turns.start(name)
    try:
        model = peer.make_model()
        dataset = peer.prepare_dataset(train01)
        state = {"steps": 0, "first_grid": None}

        class Turn(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                state["steps"] += 1
                if turns.step_done(name):
                    self.model.stop_training = True

            def on_epoch_end(self, epoch, logs=None):  # the example's plot_images(interval=5)
                if (epoch + 1) % 5 == 0:
                    images = model.generate(3 * 6, training=False).numpy() * 2 - 1
                    runs.save_png_atomic(runs.image_grid(images, 3, 6),
                                         out_dir / f"peer-epoch{epoch + 1:04d}.png")
                    if state["first_grid"] is None:
                        state["first_grid"] = turns.clock(name)

        out_dir.mkdir(parents=True, exist_ok=True)
        model.fit(dataset, epochs=100000, callbacks=[Turn()], verbose=0)
    finally:
        turns.finish(name)

    def generate(z):  # the peer samples its own latents; z only sets how many
        return model.ema_generator(np.random.default_rng(len(z)).standard_normal(
            (len(z), peer.noise_size)).astype(np.float32), training=False).numpy() * 2 - 1

    result.update(settings=f"width {peer.width}, batch {peer.batch_size}, ADA, fit()",
                  kimg=state["steps"] * peer.batch_size / 1000, images=state["steps"] * peer.batch_size,
                  seconds=turns.active[name], first_grid_s=state["first_grid"], generate=generate,
                  latent=peer.noise_size)


def generated(result: dict, count: int) -> np.ndarray:
    z = np.random.default_rng(123).standard_normal((count, result["latent"])).astype(np.float32)
    return np.concatenate([result["generate"](z[i:i + 250]) for i in range(0, count, 250)])


def bench_peer(args) -> dict:
    """The app's default against keras-io's example."""
    def peer(name, turns, train, train_path, folder, result):
        run_peer(name, turns, train.astype(np.float32) / 255.0, folder, result)
    return equal_time({"app": app_with(), "peer": peer}, args)


def versus_overrides(spec: str) -> dict:
    """"fastgan" or "fastgan:16" (an architecture, optionally at another width)."""
    arch, _, width = spec.partition(":")
    return {"arch": arch, **({"base_channels": int(width)} if width else {})}


def bench_versus(args) -> dict:
    """The app's default against the same preset with other architectures (``--versus``)."""
    others = {spec: app_with(**versus_overrides(spec)) for spec in args.versus}
    return equal_time({"app": app_with(), **others}, args)


def app_with(**overrides):
    def contestant(name, turns, train, train_path, folder, result):
        run_app(name, turns, train_path, folder, result, overrides=overrides)
    return contestant


def equal_time(contestants: dict, args) -> dict:
    """Each contestant ``fn(name, turns, train, train_path, folder, result)`` in its own thread,
    for ``--minutes`` of training in alternating turns; then SWD of each final generator."""
    from ganime_gui.core.gan import runs
    from ganime_gui.core.gan.swd import swd
    from ganime_gui.core.tfsetup import import_tensorflow

    t0 = time.perf_counter()
    train, held = figure_set(2000, seed=1), figure_set(2000, seed=2)
    data_s = time.perf_counter() - t0
    import_tensorflow()
    out = {"data_s": data_s, "contestants": {}}
    with tempfile.TemporaryDirectory() as tmp:
        train_path = Path(tmp) / "train.npy"
        np.save(train_path, train)
        turns = Turns(list(contestants), args.slice, args.minutes * 60)
        results = {name: {} for name in contestants}
        threads = [threading.Thread(target=fn, args=(name, turns, train, train_path, Path(tmp) / name,
                                                     results[name]))
                   for name, fn in contestants.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        grid_dir = Path(args.grids)
        grid_dir.mkdir(parents=True, exist_ok=True)
        for name, r in results.items():
            if "generate" not in r:
                raise SystemExit(f"{name} failed; see the traceback above")
            fakes = generated(r, 2000)
            r["swd"] = swd(held, fakes)
            grid = runs.image_grid(fakes[:32], 4, 8).quantize(128)  # small enough to keep in the repository
            grid.save(grid_dir / f"gan-{r.get('file_tag', name)}-{args.minutes:g}min.png", optimize=True)
            r["img_s"] = r["images"] / r["seconds"]
            out["contestants"][name] = {k: v for k, v in r.items() if k not in ("generate", "trainer")}
    mean_image = np.repeat(train.astype(np.float32).mean(0, keepdims=True), 2000, 0) / 127.5 - 1
    rng = np.random.default_rng(0)
    noise = np.clip(train.mean(0) + train.std(0) * rng.standard_normal((2000,) + train.shape[1:]), 0, 255)
    out["real_vs_real"] = swd(held, train)
    out["mean_image"] = swd(held, mean_image)
    out["pixel_noise"] = swd(held, noise.astype(np.uint8))
    return out


def report_versus(r: dict, args) -> None:
    print(f"Architectures at equal time: {args.minutes:g} min of training each, alternating "
          f"{args.slice:g}-s turns, the machine's preset; 2000 train / 2000 held-out figures at 64×64")
    print(f"  {'contestant':<62} {'img/s':>7} {'kimg':>7} {'first grid':>11}  SWD ×10³ (64/32/16 px)")
    for key, c in r["contestants"].items():
        _print_row(("app default" if key == "app" else "same preset, --versus") + f" ({c['settings']})", c)
    _print_baselines(r)
    app = r["contestants"]["app"]["swd"].swd
    for spec in args.versus:
        print(f"  {spec} SWD / default SWD: {r['contestants'][spec]['swd'].swd / app:.2f} (lower is better)")
    best = min(r["contestants"], key=lambda k: r["contestants"][k]["swd"].swd)
    print(f"  best here: {'the default' if best == 'app' else best}")


def _print_row(title: str, c: dict) -> None:
    s = c["swd"]
    first = f"{c['first_grid_s']:.0f} s" if c["first_grid_s"] is not None else "none"
    levels = "/".join(f"{v:.0f}" for v in s.levels)
    print(f"  {title:<62} {c['img_s']:7.1f} {c['kimg']:7.1f} {first:>11} {s.swd:7.1f} ({levels})")


def _print_baselines(r: dict) -> None:
    for key, title in (("real_vs_real", "real vs real (train vs held-out)"),
                       ("mean_image", "trivial: the mean training image"),
                       ("pixel_noise", "trivial: per-pixel noise, the set's mean/std")):
        s = r[key]
        print(f"  {title:<62} {'':>7} {'':>7} {'':>11} {s.swd:7.1f} "
              f"({'/'.join(f'{v:.0f}' for v in s.levels)})")


def report_peer(r: dict, args) -> None:
    print(f"Equal time: {args.minutes:g} min of training each, alternating {args.slice:g}-s turns; "
          f"2000 train / 2000 held-out figures at 64×64 (drawn in {r['data_s']:.0f} s or cached)")
    print(f"  {'contestant':<62} {'img/s':>7} {'kimg':>7} {'first grid':>11}  SWD ×10³ (64/32/16 px)")
    names = {"app": "app default", "peer": "keras-io gan_ada.py"}
    for key, c in r["contestants"].items():
        _print_row(f"{names[key]} ({c['settings']})", c)
    _print_baselines(r)
    app, peer = r["contestants"]["app"], r["contestants"]["peer"]
    ratio = app["swd"].swd / peer["swd"].swd
    floor = r["real_vs_real"].swd
    print(f"  app SWD / peer SWD: {ratio:.2f} "
          f"(target <= 0.5 at 10 min: {'met' if ratio <= 0.5 else 'NOT met'}); "
          f"app SWD / real-vs-real: {app['swd'].swd / floor:.1f}x (target <= 3x at 60 min)")
    first = app["first_grid_s"]
    print(f"  app first grid after {first:.0f} s of training (target <= 60 s: "
          f"{'met' if first is not None and first <= 60 else 'NOT met'}); app reason: {app['reason']}")
    print(f"  final grids: {args.grids}/gan-app-{args.minutes:g}min.png, "
          f"{args.grids}/gan-peer-{args.minutes:g}min.png")


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


def bench_long(args) -> dict:
    """The app's default alone for ``--long`` minutes: SWD of its EMA generator against the
    held-out set every ``--every`` minutes of training (the clock stands still while it is measured)."""
    from ganime_gui.core.gan import runs
    from ganime_gui.core.gan.swd import swd
    from ganime_gui.core.tfsetup import import_tensorflow

    train, held = figure_set(2000, seed=1), figure_set(2000, seed=2)
    import_tensorflow()
    grid_dir = Path(args.grids)
    grid_dir.mkdir(parents=True, exist_ok=True)
    marks = [m * 60 for m in np.arange(args.every, args.long + 1e-9, args.every)]
    points: list[dict] = []

    def measure(trainer, seconds):
        fakes = generated({"generate": trainer.generate, "latent": trainer.config.latent_dim}, 2000)
        minutes = seconds / 60
        points.append({"minutes": minutes, "kimg": trainer.kimg, "swd": swd(held, fakes),
                       "load": os.getloadavg()[0]})
        runs.image_grid(fakes[:32], 4, 8).quantize(128).save(
            grid_dir / f"gan-long-{minutes:g}min.png", optimize=True)
        p = points[-1]
        print(f"    {minutes:5g} min  {p['kimg']:7.1f} kimg  SWD {p['swd'].swd:6.1f}  "
              f"(load {p['load']:.1f})", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        train_path = Path(tmp) / "train.npy"
        np.save(train_path, train)
        turns = Turns(["app"], args.long * 60 + 1, args.long * 60 + 1)
        result: dict = {}
        print(f"Long run: the app's default alone for {args.long:g} min of training; "
              f"SWD x10^3 every {args.every:g} min", flush=True)
        run_app("app", turns, train_path, Path(tmp) / "app", result, on_mark=measure, marks_s=tuple(marks))
    return {"points": points, "result": result, "real_vs_real": swd(held, train)}


def report_long(r: dict, args) -> None:
    floor = r["real_vs_real"].swd
    c = r["result"]
    print(f"  app default ({c['settings']}): {c['images'] / c['seconds']:.1f} img/s over the run")
    print(f"  {'minutes':>7} {'kimg':>7} {'SWD x10^3 (64/32/16 px)':>26} {'/ real-vs-real':>15} {'load':>5}")
    for p in r["points"]:
        s = p["swd"]
        levels = "/".join(f"{v:.0f}" for v in s.levels)
        print(f"  {p['minutes']:7g} {p['kimg']:7.1f} {s.swd:9.1f} ({levels:>14}) {s.swd / floor:14.1f}x "
              f"{p['load']:5.1f}")
    print(f"  real vs real (train vs held-out): {floor:.1f}")
    last = r["points"][-1] if r["points"] else None
    if last:
        ratio = last["swd"].swd / floor
        print(f"  after {last['minutes']:.0f} min: {ratio:.1f}x real-vs-real (target <= 3x at 60 min: "
              f"{'met' if ratio <= 3 and last['minutes'] >= 60 else 'NOT met'}); grids: "
              f"{args.grids}/gan-long-<minutes>min.png")


def bench_compiled_vs_eager(args) -> dict:
    from ganime_gui.core.gan.config import GanConfig
    from ganime_gui.core.gan.train import GanTrainer

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "noise.npy"
        np.save(data, np.random.default_rng(0).uniform(-1, 1, (256, 64, 64, 3)).astype(np.float16))
        config = GanConfig(arch="dcgan", resolution=64, batch_size=64, base_channels=64, seed=0)
        trainer = GanTrainer(config, data, Path(tmp) / "run")
        trainer.build()
        batches = [trainer._batch(i) for i in range(8)]
        t = time_interleaved({"compiled": trainer._train_step, "eager": trainer.model.distributed_step},
                             batches, warmup=2, rounds=args.eager_steps)
        compiled, eager = t["compiled"], t["eager"]
    return {"compiled_img_s": 64 / compiled, "eager_img_s": 64 / eager,
            "ratio": eager / compiled}



def bench_ui_stall(args) -> dict:
    from PIL import Image
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
    from ganime_gui.app import create_application
    from ganime_gui.core.gan import events
    from ganime_gui.core.project import Project
    from ganime_gui.ui.context import AppContext
    from ganime_gui.ui.gan_tab import GanTab

    app = create_application([])  # noqa: F841 (the app's own: its style, its garbage-collector guard)
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
        tab.confirm_long_run = lambda text: True  # it is stopped after --ui-seconds anyway

        clock = QElapsedTimer()
        clock.start()
        late_ms: dict[str, list[float]] = {"idle": [], "startup": [], "training": []}
        state = {"last": 0, "phase": "idle", "steps_seen": 0}

        def tick():
            now = clock.elapsed()
            late_ms[state["phase"]].append(now - state["last"] - 5)
            state["last"] = now

        def on_progress(done, total, message, extra):
            if isinstance(extra.get("event"), events.StepDone) and done >= 3:  # traced, running steadily
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
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10,
                        help="training minutes per contestant (default 10)")
    parser.add_argument("--slice", type=float, default=60, help="seconds per alternating turn (default 60)")
    parser.add_argument("--grids", default=str(ROOT / "bench"), help="where the final 8×8 grids go")
    parser.add_argument("--no-footnote", action="store_true", help="skip the old compiled-vs-eager figure")
    parser.add_argument("--eager-steps", type=int, default=5, help="timed steps of the footnote's loops")
    parser.add_argument("--batch", type=int, default=32, help="batch of the --ui run")
    parser.add_argument("--ui", action="store_true", help="also measure the UI stall while training")
    parser.add_argument("--ui-seconds", type=float, default=40)
    parser.add_argument("--ui-idle-seconds", type=float, default=10)
    parser.add_argument("--ui-channels", type=int, default=16,
                        help="base width for the UI run (more steps, more updates)")
    parser.add_argument("--ui-only", action="store_true", help="only the UI stall")
    parser.add_argument("--versus", metavar="ARCH[:WIDTH]", nargs="+", default=[],
                        help="instead of the peer: the same preset with these architectures, optionally at "
                             "another width (e.g. fastgan fastgan:16)")
    parser.add_argument("--long", type=float, default=0,
                        help="instead: the app's default alone for this many minutes, SWD every --every")
    parser.add_argument("--every", type=float, default=10, help="minutes between the --long run's SWDs")
    args = parser.parse_args()

    from ganime_gui.core.tfsetup import cpu_count
    load = ' '.join(open('/proc/loadavg').read().split()[:3]) if Path('/proc/loadavg').exists() else '?'
    print(f"GAN benchmark: {platform.processor() or platform.machine()}, {cpu_count()} cores, "
          f"load average {load}")
    if args.long:
        report_long(bench_long(args), args)
        return 0
    if args.versus:
        report_versus(bench_versus(args), args)
        return 0
    if not args.ui_only:
        report_peer(bench_peer(args), args)
        if not args.no_footnote:
            r = bench_compiled_vs_eager(args)
            print(f"  footnote, the old figure (not a peer): app DCGAN step compiled "
                  f"{r['compiled_img_s']:.1f} img/s vs the same step eager {r['eager_img_s']:.1f} img/s = "
                  f"{r['ratio']:.2f}x (64 px, width 64, batch 64)")
    if args.ui or args.ui_only:
        report_ui(bench_ui_stall(args), args)
    return 0


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
