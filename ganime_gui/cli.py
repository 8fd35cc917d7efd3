"""Command line: the window by default, or one of the headless commands.

Each headless command is a module in ``ganime_gui.commands`` with ``add_arguments(parser)`` and
``run(args) -> int``. Modules are imported only when their command runs, so ``ganime`` with no
command starts the window without importing the engine's heavy parts.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys
from pathlib import Path

from ganime_gui import APP_NAME, __version__
from ganime_gui.core.jobs import JobCancelled, UserError
from ganime_gui.logs import FILES_ONLY, attach_project_log, project_log_path, setup_logging, user_log_dir

# command name -> (module under ganime_gui.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "crawl": ("crawl", "crawl a booru (Safebooru by default) into a project, resumable"),
    "import": ("import_images", "import an existing folder of images into a project"),
    "export-labels": ("export_labels", "write a label set as <out>/<label>/<file> folders (hard links)"),
    "import-labels": ("import_labels", "read <folder>/<label>/<file> back as a label set's labels"),
    "funnel": ("funnel", "counts from crawl to clean set, its spot-checked precision; export it"),
    "train-classifier": ("train_classifier",
                         "train a classifier (VGG16, MobileNetV2, ResNet50…) on a project's labels"),
    "classify": ("classify",
                 "run a trained classifier over a project's images, store scores, split into folders"),
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
                        help="start the window offscreen, check resources, TensorFlow and a project, "
                             "then exit")
    parser.add_argument("--demo", action="store_true",
                        help="open a temporary project with a local fake booru, to try every tab offline")
    parser.add_argument("--project", metavar="DIR", help="open this project folder in the window")
    parser.add_argument("project_path", nargs="?", metavar="PROJECT",
                        help="a project folder (or its ganime.sqlite) to open, as a file manager passes it")
    return parser


def command_parser(name: str) -> argparse.ArgumentParser:
    module, help_text = COMMANDS[name]
    parser = argparse.ArgumentParser(prog=f"ganime {name}", description=help_text)
    _load(module).add_arguments(parser)
    return parser


def _load(module: str):
    return importlib.import_module(f"ganime_gui.commands.{module}")


def _is_path(word: str) -> bool:
    """A launcher (the .desktop file, a file manager) passes a folder, not a command."""
    return word not in COMMANDS and (Path(word).exists() or any(sep in word for sep in "/\\"))


def _project_folder(path: str | None) -> str | None:
    if path and Path(path).name == "ganime.sqlite":
        return str(Path(path).parent)
    return path


def _attach_command_log(args: argparse.Namespace) -> None:
    """Headless commands log to their project's log like the window (once the folder exists)."""
    setup_logging()
    project = getattr(args, "project", None)
    if project and (Path(project) / "ganime.sqlite").exists():
        attach_project_log(Path(project) / "logs" / "ganime.log")


def run_command(name: str, argv: list[str]) -> int:
    args = command_parser(name).parse_args(argv)
    _attach_command_log(args)
    try:
        return _run_logged(name, args)
    finally:
        attach_project_log(None)


def _run_logged(name: str, args: argparse.Namespace) -> int:
    log = logging.getLogger(f"ganime.commands.{name}")
    log.info("ganime %s started", name)  # not its arguments: they may hold an API key
    try:
        code = int(_load(COMMANDS[name][0]).run(args) or 0)
        log.info("ganime %s ended with exit status %d", name, code)
        return code
    except UserError as exc:  # what the user can fix: the message, no traceback
        log.info("%s", exc, exc_info=True)
        print(f"ganime {name}: {exc}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, JobCancelled):
        print(f"ganime {name}: stopped by the user", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - a bug or an unforeseen fault: one line here, details in the log
        log.error("ganime %s failed", name, exc_info=True, extra=FILES_ONLY)
        where = project_log_path() or user_log_dir() / "ganime.log"
        print(f"ganime {name} failed: {type(exc).__name__}: {exc}. The details are in {where}",
              file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Only the chosen command's module is imported: the window starts without the engine's heavy parts.
    if argv and not argv[0].startswith("-") and not _is_path(argv[0]):
        name = argv[0]
        if name not in COMMANDS:
            print(f"ganime: unknown command {name!r}; commands: {', '.join(COMMANDS)}", file=sys.stderr)
            return 2
        return run_command(name, argv[1:])
    args = _window_parser().parse_args(argv)
    project = _project_folder(args.project or args.project_path)
    if args.self_test:
        from ganime_gui.selftest import run_self_test
        return run_self_test(project=project)
    from ganime_gui.platform_check import explain_missing_platform

    problem = explain_missing_platform()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    from ganime_gui.app import run_app
    return run_app(project=project, demo=args.demo)
