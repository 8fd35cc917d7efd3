"""``ganime classify``: run a trained classifier over a project's images and store its scores.

Optionally split the images into ``<out>/<class>/`` folders by a threshold (copies or hard links;
nothing is ever deleted). Exit status: 0 done, 2 wrong input, 130 stopped with Ctrl+C.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter

from ganime_gui.commands.terminal import EXIT_INTERRUPTED, EXIT_OK, run_until_stopped
from ganime_gui.commands.train_classifier import training_status
from ganime_gui.core.jobs import JobCancelled


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", required=True, metavar="DIR", help="the project folder")
    parser.add_argument("--model", required=True, metavar="NAME|PATH",
                        help="a model in the project's models/ folder, or the path of a .keras file from "
                             "elsewhere (copied into models/ with its .json)")
    parser.add_argument("--unlabelled-only", action="store_true",
                        help="only images without a label in the model's label set")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--split-to", metavar="DIR", help="also copy the images into DIR/<class>/ folders")
    parser.add_argument("--threshold", type=float, default=0.5,
                        help="two classes: the first (or --positive) when its score >= this; more: "
                             "the top class when its score >= this, else unsure/ (default 0.5)")
    parser.add_argument("--positive", metavar="CLASS", help="the class the threshold is about (two classes)")
    parser.add_argument("--link", action="store_true", help="hard-link instead of copying when splitting")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")


def run(args) -> int:
    from ganime_gui.core.classify.apply import split_into_folders
    from ganime_gui.core.classify.workflow import make_project_apply_job
    from ganime_gui.core.project import Project

    project = Project.open(args.project)
    job = make_project_apply_job(project, args.model, unlabelled_only=args.unlabelled_only,
                                 batch_size=args.batch)
    try:
        outcome, interrupted = run_until_stopped(job, training_status(args.quiet),
                                                 "Stopping after the current batch")
    except JobCancelled:
        print("Stopped: predictions of this run were not stored.", file=sys.stderr)
        return EXIT_INTERRUPTED
    result = outcome.result
    print(f"Stored {outcome.stored} predictions of {result.model_name}.")
    counts = (Counter(result.class_names[i] for i in result.probabilities.argmax(1)) if len(result.paths)
              else {})
    for name in result.class_names:
        print(f"  {name:<20} {counts.get(name, 0)}")
    if result.failed:
        print(f"{len(result.failed)} unreadable images (marked corrupt in the catalog):")
        for path in result.failed[:20]:
            print(f"  {path}")
    if args.split_to:
        placed = split_into_folders(result.paths, result.probabilities, result.class_names, args.split_to,
                                    threshold=args.threshold, positive_class=args.positive, link=args.link)
        print(f"Split into {args.split_to}: " + ", ".join(f"{k} {v}" for k, v in sorted(placed.items())))
    return EXIT_INTERRUPTED if interrupted else EXIT_OK
