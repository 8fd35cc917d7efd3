"""Command line: the window by default, or one of the headless commands.

Each headless command is a module in ``ganime_gui.commands`` with ``add_arguments(parser)`` and
``run(args) -> int``. Modules are imported only when their command runs, so ``ganime`` with no
command starts the window without importing the engine's heavy parts.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from ganime_gui import APP_NAME, __version__
from ganime_gui.core.jobs import JobCancelled, UserError

# command name -> (module under ganime_gui.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "crawl": ("crawl", "crawl a booru (Safebooru by default) into a project, resumable"),
    "import": ("import_images", "import an existing folder of images into a project"),
    "export-labels": ("export_labels", "write a label set as <out>/<label>/<file> folders (hard links)"),
    "import-labels": ("import_labels", "read <folder>/<label>/<file> back as a label set's labels"),
    "train-classifier": ("train_classifier", "train a classifier (VGG16, MobileNetV2, ResNet50…) on a project's labels"),
    "classify": ("classify", "run a trained classifier over a project's images, store scores, split into folders"),
    "train-gan": ("train_gan", "train a GAN headless (one GPU, several with MirroredStrategy, or the CPU)"),
    "score-gan": ("score_gan", "score a GAN run: SWD (no download), KID/FID with an Inception network"),
    "sample": ("sample", "write PNGs from a GAN run's generator (and export it as a .keras file)"),
    "fakebooru": ("fakebooru", "run the local fake booru server (tests, demo, benchmarks)"),
}


def _window_parser() -> argparse.ArgumentParser:
    commands = "\n".join(f"  {name:<18} {help_text}" for name, (_, help_text) in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="ganime", description=f"{APP_NAME} {__version__}: the window, or a headless command.",
        epilog=f"headless commands (ganime COMMAND --help for their options):\n{commands}",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="start the window offscreen, check resources, TensorFlow and a project, then exit")
    parser.add_argument("--demo", action="store_true",
                        help="open a temporary project with a local fake booru, to try every tab offline")
    parser.add_argument("--project", metavar="DIR", help="open this project folder in the window")
    return parser


def command_parser(name: str) -> argparse.ArgumentParser:
    module, help_text = COMMANDS[name]
    parser = argparse.ArgumentParser(prog=f"ganime {name}", description=help_text)
    _load(module).add_arguments(parser)
    return parser


def _load(module: str):
    return importlib.import_module(f"ganime_gui.commands.{module}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Only the chosen command's module is imported: the window starts without the engine's heavy parts.
    if argv and not argv[0].startswith("-"):
        name = argv[0]
        if name not in COMMANDS:
            print(f"ganime: unknown command {name!r}; commands: {', '.join(COMMANDS)}", file=sys.stderr)
            return 2
        args = command_parser(name).parse_args(argv[1:])
        try:
            return int(_load(COMMANDS[name][0]).run(args) or 0)
        except UserError as exc:  # what the user can fix: the message, no traceback
            print(f"ganime {name}: {exc}", file=sys.stderr)
            return 2
        except (KeyboardInterrupt, JobCancelled):
            print(f"ganime {name}: stopped by the user", file=sys.stderr)
            return 130
    args = _window_parser().parse_args(argv)
    if args.self_test:
        from ganime_gui.selftest import run_self_test
        return run_self_test()
    from ganime_gui.app import run_app
    return run_app(project=args.project, demo=args.demo)
