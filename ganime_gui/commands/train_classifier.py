"""``ganime train-classifier``: train a classifier on a project's labels, headless.

Exit status: 0 trained, 2 the input or settings were wrong (the message says what to do), 130
stopped with Ctrl+C (the best epoch so far is saved when one finished).
"""
from __future__ import annotations

import argparse
import sys

from ganime_gui.commands.terminal import (EXIT_INTERRUPTED, EXIT_OK, StatusLine,
                                          run_until_stopped)
from ganime_gui.core.jobs import JobCancelled
from ganime_gui.core.timefmt import format_eta


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ganime_gui.core.classify.backbones import BACKBONES

    parser.add_argument("--project", required=True, metavar="DIR", help="the project folder")
    parser.add_argument("--label-set", required=True, metavar="NAME",
                        help="train on this label set's labels, e.g. chibi")
    parser.add_argument("--backbone", choices=sorted(BACKBONES), default="vgg16",
                        help="default vgg16 (as the seed)")
    parser.add_argument("--weights", default="imagenet", metavar="imagenet|none|PATH",
                        help="ImageNet weights (downloaded once), none (from scratch) or a weights file")
    parser.add_argument("--epochs", type=int, default=60,
                        help="at most this many epochs (default 60; early stopping usually ends sooner)")
    parser.add_argument("--size", type=int, default=None, metavar="PX",
                        help="input size (default: the backbone's)")
    parser.add_argument("--frozen", type=int, default=None, metavar="N",
                        help="freeze the first N backbone layers (default: VGG16 15, others all)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=None,
                        help="learning rate (default 1e-4 fine-tuning, else 1e-3)")
    parser.add_argument("--early-stopping", type=int, default=5, metavar="EPOCHS",
                        help="stop when the validation loss has not improved for this many epochs and keep "
                             "the best one (default 5; 0: off, all --epochs run, as the seed's fixed 12)")
    parser.add_argument("--val-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-feature-cache", action="store_true",
                        help="train end to end (slower; the seed's way)")
    parser.add_argument("--name", help="model name (default <label set>-<backbone>-<date>)")
    parser.add_argument("--one-vs-rest", metavar="CLEAN_CLASS", nargs="?", const="clean", default=None,
                        help="a reject-reason label set: one classifier per reason against the rest, and a "
                             "combined verdict (clean = no reason applies; CLEAN_CLASS default 'clean')")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def describe_training(done: int, total: int, message: str, extra: dict) -> str:
    """A status line for classifier training and Apply: metrics when there are some, and the ETA."""
    from ganime_gui.core.classify.train import BatchEnd, EpochEnd

    event = extra.get("event")
    parts = [message]
    if isinstance(event, EpochEnd):
        parts.append(f"loss {event.loss:.4f} acc {event.accuracy:.3f} | val loss {event.val_loss:.4f} "
                     f"val acc {event.val_accuracy:.3f}{' (best)' if event.best else ''}")
    elif isinstance(event, BatchEnd):
        parts.append(f"loss {event.loss:.4f} acc {event.accuracy:.3f}")
    parts.append(format_eta(getattr(event, "eta_s", None), unknown=""))
    return "  ".join(p for p in parts if p)


def _kept(extra: dict) -> bool:
    from ganime_gui.core.classify.train import EarlyStop, EpochEnd, TrainStep

    return isinstance(extra.get("event"), (EpochEnd, EarlyStop, TrainStep))


def training_status(quiet: bool) -> StatusLine:
    # Epoch ends and the build/save steps are worth a line of their own; batches only redraw.
    return StatusLine(describe_training, quiet=quiet, tty_interval=0.3, keep=_kept)


def print_evaluation(evaluation: dict, notes: list[str] = ()) -> None:
    """The validation result in words (balanced accuracy, recall per class, a one-class warning)."""
    from ganime_gui.core.classify.evaluation import describe

    for line in describe(evaluation):
        print(f"  {line}")
    print("  confusion (rows true, columns predicted: " + ", ".join(evaluation["class_names"]) + "): "
          + str(evaluation["confusion"]))
    for note in notes:
        print(f"  Note: {note}")


def run(args) -> int:
    from ganime_gui.core.classify.train import TrainConfig
    from ganime_gui.core.classify.workflow import make_project_train_job
    from ganime_gui.core.project import Project

    project = Project.open(args.project)
    config = TrainConfig(backbone=args.backbone, weights=args.weights, input_size=args.size,
                         frozen_layers=args.frozen, epochs=args.epochs, batch_size=args.batch,
                         learning_rate=args.lr, val_fraction=args.val_fraction, seed=args.seed,
                         early_stopping_patience=args.early_stopping,
                         use_feature_cache=not args.no_feature_cache)
    if args.one_vs_rest:
        return _run_reasons(project, args, config)
    job = make_project_train_job(project, args.label_set, config, model_name=args.name)
    try:
        result, interrupted = run_until_stopped(
            job, training_status(args.quiet),
            "Stopping after the current batch; the best epoch so far is kept")
    except JobCancelled:
        print("Stopped before the first epoch finished: no model saved.", file=sys.stderr)
        return EXIT_INTERRUPTED
    meta = result.metadata
    ev = result.evaluation
    print(f"Saved {result.model_path} ({'stopped, best so far' if result.stopped else 'done'}): "
          f"best epoch {meta['best_epoch']} of {meta['epochs_trained']}, "
          f"{meta['n_train']} train / {meta['n_val']} val images")
    print_evaluation(ev, meta.get("notes") or [])
    if result.skipped:
        print(f"Skipped {len(result.skipped)} images:")
        for path, why in result.skipped[:20]:
            print(f"  {path}: {why}")
    return EXIT_INTERRUPTED if interrupted else EXIT_OK


def _run_reasons(project, args, config) -> int:
    from ganime_gui.core.classify.reasons import describe_clean
    from ganime_gui.core.classify.workflow import make_project_reasons_job

    job = make_project_reasons_job(project, args.label_set, config, clean_class=args.one_vs_rest,
                                   name_prefix=args.name)
    try:
        result, interrupted = run_until_stopped(job, training_status(args.quiet),
                                                "Stopping after the current batch")
    except JobCancelled:
        print("Stopped: the reason classifiers are incomplete.", file=sys.stderr)
        return EXIT_INTERRUPTED
    for reason, trained in result.models.items():
        print(f"Saved {trained.model_path} ({reason} against the rest):")
        print_evaluation(trained.evaluation)
    print(describe_clean(result.holdout))
    print(f"Reason classifiers listed in {result.group_path}")
    return EXIT_INTERRUPTED if interrupted else EXIT_OK
