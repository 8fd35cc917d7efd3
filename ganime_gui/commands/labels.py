"""``ganime export-labels`` / ``ganime import-labels``: the Sort tab's folder export and import.

Export writes ``OUT/<label>/<file>`` for every labelled image of a label set (hard links where
possible, else copies; nothing in the project moves); import reads that layout back as labels,
matching files by content, as one undoable step.
"""
from __future__ import annotations

import argparse

from ganime_gui.commands.terminal import StatusLine, progress_bar, run_until_stopped


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", required=True, metavar="DIR", help="the project folder")
    parser.add_argument("--label-set", required=True, metavar="NAME", help="e.g. chibi")
    parser.add_argument("--quiet", action="store_true", help="no progress line")


def status(quiet: bool) -> StatusLine:
    return StatusLine(lambda done, total, message, extra: f"{progress_bar(done, total)} {message}",
                      quiet=quiet)


def run_job(args, make_job):
    from ganime_gui.core.project import Project

    project = Project.open(args.project)
    with project.open_catalog() as catalog:
        report, _ = run_until_stopped(make_job(project, catalog), status(args.quiet), "Stopping")
        return report
