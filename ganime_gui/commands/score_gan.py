"""``ganime score-gan``: score a GAN run's generator against its training images.

    ganime score-gan --run RUN [--samples N]
                     [--net swd|keras-imagenet|keras-weights|inception-graph] [--file F]

SWD always (no network, works offline); KID and FID too with a feature network. The result is
written to the run's log as a ``metric`` record (the GAN tab plots it) and printed with its
metric, network and sample counts.
"""
from __future__ import annotations

import argparse

from ganime_gui.commands.terminal import EXIT_OK, StatusLine, run_until_stopped
from ganime_gui.core.jobs import UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--run", required=True, help="the run folder")
    parser.add_argument("--samples", type=int, default=2000, help="generated and real images (default 2000)")
    parser.add_argument("--net", choices=["swd", "keras-imagenet", "keras-weights", "inception-graph"],
                        default="swd",
                        help="swd: SWD only (the default); else SWD plus KID/FID from this network")
    parser.add_argument("--file", help="the weights file or classify_image_graph_def.pb for --net")
    parser.add_argument("--checkpoint", help="a checkpoint folder of the run (default: the latest)")


def run(args) -> int:
    from ganime_gui.core.gan.export import check_run
    from ganime_gui.core.gan.metrics import make_extractor, make_metrics_job

    if args.net in ("keras-weights", "inception-graph") and not args.file:
        raise UserError(f"--net {args.net} needs --file.")
    job = make_metrics_job(check_run(args.run), lambda: make_extractor(args.net, args.file), args.samples,
                           args.checkpoint)
    status = StatusLine(lambda done, total, message, extra: f"{done}/{total} {message}" if total else message)
    result, _ = run_until_stopped(job, status, "Stopping the scoring")
    at = f"{result.kimg:.1f} kimg" if result.kimg is not None else "the checkpoint"
    print(f"At {at}: {result.label()}")
    return EXIT_OK
