"""``ganime sample``: PNGs from a GAN run's EMA generator, and optionally its ``.keras`` export.

    ganime sample --run RUN --count N --out DIR [--seed S] [--keras FILE.keras]

The same run, checkpoint and seed give the same images. ``--keras`` also writes the generator as
a ``.keras`` file that plain Keras loads (with a ``.json`` beside it saying how to use it).
"""
from __future__ import annotations

import argparse

from ganime_gui.commands.terminal import EXIT_OK, StatusLine, run_until_stopped


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run", required=True, help="the run folder (train-gan --out, or the GAN tab's)")
    parser.add_argument("--count", type=int, required=True, help="how many images")
    parser.add_argument("--out", required=True, metavar="DIR", help="where the PNGs go")
    parser.add_argument("--seed", type=int, default=0, help="latent seed (default 0)")
    parser.add_argument("--checkpoint", help="a checkpoint folder of the run (default: the latest)")
    parser.add_argument("--keras", metavar="FILE", help="also export the generator as this .keras file")


def run(args) -> int:
    from ganime_gui.core.gan.export import check_run, export_generator, write_samples
    from ganime_gui.core.gan.checkpoints import load_generator

    run_dir = check_run(args.run)

    def job(progress, cancelled):
        progress(0, args.count, "Loading the generator…")
        trainer = load_generator(run_dir, args.checkpoint)
        exported = export_generator(run_dir, args.keras, trainer=trainer) if args.keras else None
        return trainer, exported, write_samples(trainer, args.count, args.out, args.seed, progress, cancelled)

    status = StatusLine(lambda done, total, message, extra: f"{done}/{total} {message}")
    (trainer, exported, paths), _ = run_until_stopped(job, status, "Stopping after this batch")
    print(f"Wrote {len(paths)} samples ({trainer.config.resolution}×{trainer.config.resolution}, "
          f"{trainer.kimg:.1f} kimg) to {args.out}")
    if exported:
        print(f"Exported the generator to {exported} (how to use it: {exported.with_suffix('.json')})")
    return EXIT_OK
