"""``ganime train-gan``: train a GAN headless (servers, several GPUs); the GUI's GAN tab opens the run.

Exit status: 0 finished, 2 the input or settings were wrong, 3 training diverged (the last good
checkpoint is kept), 130 interrupted with Ctrl+C (a checkpoint was written: ``--resume`` goes on).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ganime_gui.commands.terminal import (EXIT_DIVERGED, EXIT_INTERRUPTED, EXIT_OK, StatusLine,
                                          stop_on_ctrl_c)
from ganime_gui.core.gan.config import ARCHITECTURES, DEFAULT_ARCH, GanConfig
from ganime_gui.core.jobs import JobCancelled, UserError
from ganime_gui.core.timefmt import format_eta


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", help="a prepared set (.npy, [-1, 1] or uint8) or a folder of images "
                        "(prepared into --cache first); with --resume, defaults to the run's")
    parser.add_argument("--out", required=True, metavar="RUN", help="the run folder")
    parser.add_argument("--res", type=int, default=64, help="image size: 64, 128 or 256 (default 64)")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--steps", type=int, help="train this many generator steps in all")
    length.add_argument("--kimg", type=float, help="train until this many thousand real images were shown")
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default=DEFAULT_ARCH,
                        help=f"architecture (default {DEFAULT_ARCH})")
    parser.add_argument("--preset", choices=["auto", "cpu", "gpu"], default="auto",
                        help="settings for the machine: cpu (width 32, batch 32), gpu (width 64, batch 64), "
                        "or auto (gpu when TensorFlow has a GPU; the default)")
    parser.add_argument("--batch", type=int, default=None, help="global batch size (default: the preset's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true",
                        help="continue the run in --out from its latest checkpoint")
    parser.add_argument("--latent", type=int, default=None, help="latent size (default: the preset's, 128)")
    parser.add_argument("--channels", type=int, default=None,
                        help="base channel width (default: the preset's)")
    parser.add_argument("--mirror", action=argparse.BooleanOptionalAction, default=GanConfig.mirror,
                        help="random left-right flips of the training images (default on)")
    parser.add_argument("--augment-target", type=float, default=None,
                        help="adapt the DiffAugment strength to this overfitting target (ADA; e.g. 0.6)")
    parser.add_argument("--preview-every", type=float, default=None, metavar="KIMG",
                        help="write a sample grid every KIMG (default 4)")
    parser.add_argument("--checkpoint-every", type=float, default=None, metavar="KIMG",
                        help="checkpoint every KIMG (default 50)")
    parser.add_argument("--checkpoint-minutes", type=float, default=None,
                        help="and every N minutes (default 15)")
    parser.add_argument("--keep", type=int, default=None, help="checkpoints to keep (default 3)")
    parser.add_argument("--metrics-every", type=float, default=0, metavar="KIMG",
                        help="score the EMA generator every KIMG: SWD, and KID/FID with a network "
                        "(default: never)")
    parser.add_argument("--metrics-net",
                        choices=["swd", "keras-imagenet", "keras-weights", "inception-graph"],
                        default="swd", help="swd: SWD only, no network (offline; the default); or SWD plus "
                        "KID/FID from Keras InceptionV3 with ImageNet weights (downloads once), a weights "
                        "file, or the 2015-12-05 Inception graph (pytorch-fid's; needs --metrics-file)")
    parser.add_argument("--metrics-file", help="the weights file or classify_image_graph_def.pb")
    parser.add_argument("--metrics-samples", type=int, default=5000, help="images scored (default 5000)")
    parser.add_argument("--cache", help="where a folder given to --data is prepared (default RUN/cache)")
    # checks the multi-device path on CPU
    parser.add_argument("--cpu-replicas", type=int, default=0, help=argparse.SUPPRESS)


def _schedule(args) -> dict:
    return {k: v for k, v in {"preview_every_kimg": args.preview_every,
                              "checkpoint_every_kimg": args.checkpoint_every,
                              "checkpoint_every_minutes": args.checkpoint_minutes,
                              "keep_checkpoints": args.keep}.items() if v is not None}


def _build_config(args) -> GanConfig:
    from ganime_gui.core.gan.train import resume_config

    if args.resume:
        config = resume_config(args.out, **_schedule(args))
    else:
        from ganime_gui.core.gan.presets import PRESETS, machine_choice

        choice = machine_choice() if args.preset == "auto" else None
        preset = choice.preset if choice else PRESETS[args.preset]
        sizes = {k: v for k, v in (("latent_dim", args.latent), ("base_channels", args.channels),
                                   ("batch_size", args.batch)) if v is not None}
        config = preset.config(arch=args.arch, resolution=args.res, seed=args.seed, mirror=args.mirror,
                               augment_target=args.augment_target, **sizes, **_schedule(args))
        if sizes:
            config.preset = ""  # hand-set sizes: not the preset any more
        print(f"Preset: {preset.title}" + (f" ({choice.reason})" if choice else "")
              + (f"; overridden: {', '.join(f'{k} {v}' for k, v in sizes.items())}" if sizes else ""))
    if args.steps is not None:
        config.total_kimg = args.steps * config.images_per_step / 1000.0
    elif args.kimg is not None:
        config.total_kimg = args.kimg
    return config


def _prepared_data(args, config: GanConfig, progress) -> Path:
    from ganime_gui.core.gan import runs
    from ganime_gui.core.gan.dataset import list_image_files, prepare_dataset

    if args.data is None:
        if not args.resume:
            raise UserError("Say what to train on with --data (a prepared .npy or a folder of images).")
        return Path(runs.read_run_info(args.out)["data"])
    data = Path(args.data)
    if data.is_dir():
        cache = Path(args.cache) if args.cache else Path(args.out) / "cache"
        prepared = prepare_dataset(list_image_files(data), cache, config.resolution, progress)
        if prepared.skipped:
            print(f"Skipped {len(prepared.skipped)} unreadable images "
                  f"(listed in {prepared.path.with_suffix('.json')})")
        return prepared.path
    if not data.is_file():
        raise UserError(f"--data {data} does not exist.")
    return data


def _metrics_plan(args):
    if not args.metrics_every:
        return None
    from ganime_gui.core.gan.metrics import MetricsPlan, make_extractor

    if args.metrics_net in ("keras-weights", "inception-graph") and not args.metrics_file:
        raise UserError(f"--metrics-net {args.metrics_net} needs --metrics-file.")
    return MetricsPlan(lambda: make_extractor(args.metrics_net, args.metrics_file), args.metrics_every,
                       args.metrics_samples)


def _split_cpu(replicas: int) -> list[str]:
    from ganime_gui.core.tfsetup import import_tensorflow
    tf = import_tensorflow()
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * replicas)
    return [d.name for d in tf.config.list_logical_devices("CPU")]


def describe_step(done: int, total: int, message: str, extra: dict) -> str:
    from ganime_gui.core.gan import events

    event = extra.get("event")
    if isinstance(event, events.Scored):  # a score worth keeping on screen
        return f"{event.status.kimg:.1f} kimg: {message}"
    parts = [f"step {done}/{total}" if total else f"step {done}", message]
    if isinstance(event, events.StepDone):
        parts.append(f"D {event.d_loss:.3f}  G {event.g_loss:.3f}")
    status = getattr(event, "status", None)
    if status is not None:
        if status.sec_per_kimg:
            parts.append(f"{status.sec_per_kimg:.1f} s/kimg  {status.img_per_s:.0f} img/s")
        parts.append(format_eta(status.eta_s, unknown=""))
        if status.augment_p is not None:
            parts.append(f"p {status.augment_p:.2f}")
    return "  ".join(p for p in parts if p)


def _keeps_a_line(extra: dict) -> bool:
    """Checkpoints, scores and notes keep a line; steps, previews and scoring progress only redraw."""
    from ganime_gui.core.gan import events

    event = extra.get("event")
    return event is not None and not isinstance(event, (events.StepDone, events.PreviewSaved, events.Scoring))


def run(args) -> int:
    from ganime_gui.core.gan.train import GanTrainer, TrainingDiverged

    status = StatusLine(describe_step, tty_interval=0.5, keep=_keeps_a_line)
    try:
        with stop_on_ctrl_c("Stopping after this step and writing a checkpoint") as stop:
            devices = _split_cpu(args.cpu_replicas) if args.cpu_replicas > 1 else None
            config = _build_config(args)
            data = _prepared_data(args, config, status)
            trainer = GanTrainer(config, data, args.out, resume=args.resume, devices=devices,
                                 metrics=_metrics_plan(args))
            result = trainer.run(status, stop.is_set)
    except JobCancelled:
        status.close()
        print(f"Stopped; resume with: ganime train-gan --out {args.out} --resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except TrainingDiverged as exc:
        status.close()
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_DIVERGED
    status.close()
    print(f"Finished: {result.kimg:.1f} kimg in {result.step} steps; checkpoint {result.checkpoint}")
    return EXIT_OK
