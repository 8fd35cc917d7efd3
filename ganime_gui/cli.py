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

# command name -> (module under ganime_gui.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "fakebooru": ("fakebooru", "run the local fake booru server (tests, demo, benchmarks)"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganime", description=f"{APP_NAME} {__version__}")
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="start the window offscreen, check resources, TensorFlow and a project, then exit")
    parser.add_argument("--demo", action="store_true",
                        help="open a temporary project with a local fake booru, to try every tab offline")
    parser.add_argument("--project", metavar="DIR", help="open this project folder in the window")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        _load(module).add_arguments(p)
    return parser


def _load(module: str):
    return importlib.import_module(f"ganime_gui.commands.{module}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Peek before building the full parser: the window path must not import every command module.
    if not argv or argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        parser = _window_parser()
        args = parser.parse_args(argv)
        if args.self_test:
            from ganime_gui.selftest import run_self_test
            return run_self_test()
        from ganime_gui.app import run_app
        return run_app(project=args.project, demo=args.demo)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return int(_load(args._module).run(args) or 0)


def _window_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ganime", add_help=False)
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("--demo", action="store_true")
    parser.add_argument("--project")
    return parser
