"""``ganime import-labels``: read ``FOLDER/<label>/<file>`` back as a label set's labels."""
from __future__ import annotations

import argparse

from ganime_gui.commands.labels import add_common, run_job


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("folder", help="a folder with one sub-folder per class")


def run(args: argparse.Namespace) -> int:
    from ganime_gui.core.sorting import import_from_folders

    report = run_job(args, lambda project, catalog: import_from_folders(catalog, args.label_set,
                                                                        args.folder))
    print(f"Labelled {report.labelled} images ({report.unchanged} already had that label); "
          f"{len(report.unknown_files)} files are not in the project; "
          f"folders that are not classes: {', '.join(report.unknown_folders) or 'none'}.")
    return 0
