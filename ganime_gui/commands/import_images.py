"""``ganime import``: copy an existing image folder into a project's catalog."""
from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", required=True, metavar="DIR", help="project folder (made if missing)")
    parser.add_argument("folder", help="folder of images to import (searched recursively)")


def run(args: argparse.Namespace) -> int:
    from ganime_gui.core.importer import import_folder
    from ganime_gui.core.project import Project
    project = Project.open_or_create(args.project)
    with project.open_catalog() as catalog:
        result = import_folder(project, catalog, args.folder)
    for line in result.skipped[:20]:
        print(f"skipped {line}", file=sys.stderr)
    if len(result.skipped) > 20:
        print(f"… and {len(result.skipped) - 20} more skipped", file=sys.stderr)
    print(result.summary())
    return 0
