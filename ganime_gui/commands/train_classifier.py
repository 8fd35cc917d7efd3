"""``ganime train-classifier``: train a classifier on a project's labels, headless.

Exit status: 0 trained, 2 the input or settings were wrong (the message says what to do), 130
stopped with Ctrl+C (the best epoch so far is saved when one finished).
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
import time

from ganime_gui.core.jobs import JobCancelled, UserError

EXIT_OK, EXIT_USER_ERROR, EXIT_INTERRUPTED = 0, 2, 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ganime_gui.core.classify.backbones import BACKBONES

    parser.add_argument("--project", required=True, metavar="DIR", help="the project folder")
    parser.add_argument("--label-set", required=True, metavar="NAME", help="train on this label set's labels, e.g. chibi")
    parser.add_argument("--backbone", choices=sorted(BACKBONES), default="vgg16", help="default vgg16 (as the seed)")
    parser.add_argument("--weights", default="imagenet", metavar="imagenet|none|PATH",
                        help="ImageNet weights (downloaded once), none (from scratch) or a weights file")
    parser.add_argument("--epochs", type=int, default=12, help="default 12 (the seed's)")
    parser.add_argument("--size", type=int, default=None, metavar="PX", help="input size (default: the backbone's)")
    parser.add_argument("--frozen", type=int, default=None, metavar="N",
                        help="freeze the first N backbone layers (default: VGG16 15, others all)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--lr", type=float, default=None, help="learning rate (default 1e-4 fine-tuning, else 1e-3)")
    parser.add_argument("--early-stopping", type=int, default=0, metavar="EPOCHS",
                        help="stop after this many epochs without improvement (default 0: off)")
    parser.add_argument("--val-fraction", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-feature-cache", action="store_true", help="train end to end (slower; the seed's way)")
    parser.add_argument("--name", help="model name (default <label set>-<backbone>-<date>)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


class TerminalReporter:
    """A job progress callback for a terminal: one line rewritten in place, or a line every few seconds."""

    def __init__(self, stream=None, quiet: bool = False):
        self.stream, self.quiet = stream or sys.stderr, quiet
        self.tty = self.stream.isatty()
        self.last = 0.0

    def __call__(self, done, total, message="", **extra):
        if self.quiet:
            return
        now = time.monotonic()
        every_line = extra.get("phase") in ("epoch", "epoch_note", "build", "save")
        if not every_line and now - self.last < (0.3 if self.tty else 5.0):
            return
        self.last = now
        parts = [message]
        if "loss" in extra and "val_loss" not in extra:
            parts.append(f"loss {extra['loss']:.4f} acc {extra['accuracy']:.3f}")
        if "val_loss" in extra:
            parts.append(f"loss {extra['loss']:.4f} acc {extra['accuracy']:.3f} | val loss {extra['val_loss']:.4f} "
                         f"val acc {extra['val_accuracy']:.3f}{' (best)' if extra.get('best') else ''}")
        if extra.get("eta_s"):
            parts.append(f"ETA {int(extra['eta_s']) // 60}m{int(extra['eta_s']) % 60:02d}s")
        line = "  ".join(p for p in parts if p)
        if self.tty and not every_line:
            self.stream.write("\r\033[K" + line[:200])
        else:
            self.stream.write(("\r\033[K" if self.tty else "") + line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.tty and not self.quiet:
            self.stream.write("\n")


def run_with_interrupt(job, reporter: TerminalReporter):
    """Run a job in this thread; Ctrl+C sets its cancel flag (the job stops cleanly) instead of killing it."""
    stop = threading.Event()
    previous = signal.getsignal(signal.SIGINT)

    def on_sigint(signum, frame):
        if stop.is_set():
            raise KeyboardInterrupt  # a second Ctrl+C: really stop now
        stop.set()
        print("\nStopping after the current batch (Ctrl+C again to abort)…", file=sys.stderr)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, on_sigint)
    try:
        return job(reporter, stop.is_set), stop.is_set()
    finally:
        reporter.close()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, previous)


def run(args) -> int:
    from ganime_gui.core.classify.train import TrainConfig
    from ganime_gui.core.classify.workflow import make_project_train_job
    from ganime_gui.core.project import Project

    try:
        project = Project.open(args.project)
        config = TrainConfig(backbone=args.backbone, weights=args.weights, input_size=args.size,
                             frozen_layers=args.frozen, epochs=args.epochs, batch_size=args.batch,
                             learning_rate=args.lr, val_fraction=args.val_fraction, seed=args.seed,
                             early_stopping_patience=args.early_stopping,
                             use_feature_cache=not args.no_feature_cache)
        job = make_project_train_job(project, args.label_set, config, model_name=args.name)
        result, interrupted = run_with_interrupt(job, TerminalReporter(quiet=args.quiet))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except JobCancelled:
        print("Stopped before the first epoch finished: no model saved.", file=sys.stderr)
        return EXIT_INTERRUPTED
    meta = result.metadata
    ev = result.evaluation
    print(f"Saved {result.model_path} ({'stopped, best so far' if result.stopped else 'done'}): "
          f"val accuracy {meta['val_accuracy']:.1%} at epoch {meta['best_epoch']}, "
          f"{meta['n_train']} train / {meta['n_val']} val images")
    for name, acc in ev["per_class_accuracy"].items():
        print(f"  {name:<20} {'n/a' if acc is None else f'{acc:.1%}'}")
    print("  confusion (rows true, columns predicted: " + ", ".join(ev["class_names"]) + "): " + str(ev["confusion"]))
    if result.skipped:
        print(f"Skipped {len(result.skipped)} images:")
        for path, why in result.skipped[:20]:
            print(f"  {path}: {why}")
    return EXIT_INTERRUPTED if interrupted else EXIT_OK
