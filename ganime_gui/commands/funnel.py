"""``ganime funnel``: the Sort tab's funnel, headless: counts per stage from crawl to clean set,
the clean set's estimated precision from the last spot check, and its export."""
from __future__ import annotations

import argparse

from ganime_gui.commands.labels import add_common, run_job


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common(parser)
    parser.add_argument("--clean", required=True, metavar="CLASS",
                        help="the class of the label set that is clean, e.g. not_chibi")
    parser.add_argument("--tags", default="", metavar="TAGS",
                        help='the tag pre-filter, as in the Sort tab: "-chibi -multiple_girls"')
    parser.add_argument("--export", metavar="OUT", help="also write the clean set to OUT/clean/")


def run(args: argparse.Namespace) -> int:
    from ganime_gui.core.project import Project
    from ganime_gui.core.sorting import export_to_folders
    from ganime_gui.core.sorting.funnel import FunnelSpec, clean_set_paths, funnel

    spec = FunnelSpec(args.label_set, args.clean, args.tags)
    with Project.open(args.project).open_catalog() as catalog:
        f = funnel(catalog, spec)
    width = max(len(stage) for stage, _ in f.rows())
    print(f"{'Tag pre-filter':<{width}}  {spec.tags or 'none'}")
    for stage, count in f.rows():
        print(f"{stage:<{width}}  {count}")
    if f.precision is None:
        print("Precision: unknown (draw a spot check in the Sort tab and label it).")
    else:
        print(f"Precision: {f.precision:.1%} (95% interval {f.low:.1%}-{f.high:.1%}, "
              f"{f.checked} spot checks)")
    if args.export:
        report = run_job(args, lambda project, catalog: export_to_folders(
            project, catalog, args.label_set, args.export,
            items=lambda: clean_set_paths(catalog, spec)))
        print(f"Exported the clean set to {args.export}/clean: {report.linked} hard links, "
              f"{report.copied} copies, {report.already_there} already there.")
    return 0
