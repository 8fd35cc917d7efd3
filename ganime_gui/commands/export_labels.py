"""``ganime export-labels``: write a label set as ``OUT/<label>/<file>`` folders."""
from __future__ import annotations

import argparse

from ganime_gui.commands.labels import add_common, run_job


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("out", help="folder to write <label>/<file> into (made if missing)")


def run(args: argparse.Namespace) -> int:
    from ganime_gui.core.sorting import export_to_folders

    report = run_job(args, lambda project, catalog: export_to_folders(project, catalog, args.label_set,
                                                                      args.out))
    print(f"Exported to {args.out}: {report.linked} hard links, {report.copied} copies, "
          f"{report.already_there} already there, {len(report.missing)} missing from the project.")
    return 0
