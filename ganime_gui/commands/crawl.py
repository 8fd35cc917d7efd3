"""``ganime crawl``: crawl a booru into a project, headless, with a terminal progress bar.

The last line printed says how the crawl ended; the exit code says it too: 0 done, 3 blocked
(challenge, key, rate limit, network, certificate), 4 incomplete (the site's pages came back empty
or unusable before its count was reached), 130 stopped (Ctrl-C), 2 wrong input, 1 another error.
Running the same command again on the same project resumes an unfinished crawl of that query
(stopped, blocked, incomplete or interrupted); ``--resume JOB`` resumes one by number.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys

from ganime_gui.commands.terminal import StatusLine, progress_bar, run_until_stopped
from ganime_gui.core.jobs import JobCancelled, UserError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from ganime_gui.core.boorus import DEFAULT_SITE, SITES
    parser.add_argument("--project", required=True, metavar="DIR",
                        help="project folder (made if it does not exist)")
    parser.add_argument("--site", choices=sorted(SITES), default=DEFAULT_SITE,
                        help=f"booru engine (default {DEFAULT_SITE})")
    parser.add_argument("--base-url", metavar="URL",
                        help="another instance of the engine (self-hosted, a mirror, the fake booru)")
    parser.add_argument("--tags", default="", help='tags to search, space separated; "-tag" excludes')
    parser.add_argument("--exclude", default="", metavar="TAGS", help="tags the posts must not have")
    parser.add_argument("--blacklist", default="", metavar="TAGS",
                        help="more tags to refuse, checked on each post (e.g. 'chibi comic monochrome')")
    parser.add_argument("--rating", default="", metavar="LIST",
                        help="keep only these ratings: general,sensitive,questionable,explicit")
    parser.add_argument("--limit", type=int, default=0, metavar="N", help="stop after N posts kept (0: all)")
    parser.add_argument("--min-size", type=int, default=0, metavar="PX",
                        help="skip posts narrower or shorter than PX pixels")
    parser.add_argument("--aspect", default="", metavar="MIN:MAX",
                        help="keep width/height ratios in this range, e.g. 0.3:0.9 for standing figures")
    parser.add_argument("--types", default="", metavar="LIST", help="file types to keep, e.g. jpg,png")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--sample", dest="size", action="store_const", const="sample",
                      help="download the smallest variant at least --sample-px on its long side")
    size.add_argument("--original", dest="size", action="store_const", const="original",
                      help="download the original files (default)")
    parser.set_defaults(size="original")
    parser.add_argument("--sample-px", type=int, default=256, metavar="PX",
                        help="smallest long side for --sample (default 256)")
    parser.add_argument("--user-id", default=os.environ.get("GANIME_USER_ID", ""),
                        help="user id or login for sites that need a key (or GANIME_USER_ID)")
    parser.add_argument("--api-key", default=os.environ.get("GANIME_API_KEY", ""),
                        help="API key (or GANIME_API_KEY, which keeps it out of the shell history)")
    parser.add_argument("--concurrency", type=int, default=4, metavar="N",
                        help="download threads (default 4)")
    parser.add_argument("--per-host", type=int, default=4, metavar="N",
                        help="downloads at once from one host (default 4); halved while the host "
                             "answers 429/503, grown back after successes")
    parser.add_argument("--delay", type=float, default=None, metavar="S",
                        help="seconds between API requests (list pages, counts) to one host "
                             "(default: the site's polite value, 1 s; 0 turns pacing off, for "
                             "local servers only). Downloads are capped by --per-host instead")
    parser.add_argument("--resume", type=int, metavar="JOB",
                        help="continue crawl number JOB. Without it, running the same command "
                             "again resumes the unfinished crawl of the same site and query")
    parser.add_argument("--new", action="store_true",
                        help="start a new crawl even if an unfinished one has the same query")
    parser.add_argument("--list", action="store_true", help="list the project's crawls and exit")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from ganime_gui.core.boorus import Credentials
    from ganime_gui.core.crawl import CrawlOptions, CrawlQuery, parse_tag_list, run_crawl
    from ganime_gui.core.crawl.events import CrawlReport
    from ganime_gui.core.project import Project

    project = Project.open_or_create(args.project)
    if args.list:
        _print_crawls(project)
        return 0
    min_aspect, max_aspect = _aspect(args.aspect)
    query = CrawlQuery(
        tags=parse_tag_list(args.tags), exclude=parse_tag_list(args.exclude),
        blacklist=parse_tag_list(args.blacklist), ratings=parse_tag_list(args.rating),
        min_width=args.min_size, min_height=args.min_size, min_aspect=min_aspect,
        max_aspect=max_aspect, file_types=parse_tag_list(args.types), limit=max(0, args.limit),
        size=args.size, sample_min_px=args.sample_px)
    options = CrawlOptions(concurrency=max(1, args.concurrency), interval_s=args.delay,
                           downloads_per_host=max(1, args.per_host))
    credentials = Credentials(args.user_id, args.api_key)

    status = StatusLine(lambda done, total, message, extra: f"{progress_bar(done, total)} {message}",
                        quiet=args.quiet)

    def job(progress, cancelled):
        def report(done, total, message="", event=None, **extra):
            lines = event.lines if isinstance(event, CrawlReport) else ()
            progress(done, total, message, events=lines)

        return run_crawl(project, args.site, query, base_url=args.base_url,
                         credentials=credentials, options=options, progress=report,
                         cancelled=cancelled, resume_job=args.resume, continue_same=not args.new)

    from ganime_gui.logs import attach_project_log
    attach_project_log(project.log_path)   # tracebacks go to the project's log, not the terminal
    try:
        outcome, _ = run_until_stopped(
            job, status, "Stopping after the downloads in flight; resume by running the same "
                         "command again")
    except (UserError, JobCancelled, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - one line here, the details in the log
        logging.getLogger("ganime.crawl").exception("crawl failed")
        print(f"ganime crawl: failed on an unexpected error ({type(exc).__name__}: {exc}). The "
              f"details are in {project.log_path}; running the same command again resumes.",
              file=sys.stderr)
        return 1
    print(f"Crawl {outcome.job_id}: {outcome.reason}")
    return outcome.exit_code


def _aspect(text: str) -> tuple[float, float]:
    if not text:
        return 0.0, 0.0
    try:
        low, _, high = text.partition(":")
        return float(low or 0), float(high or 0)
    except ValueError:
        raise UserError(f"--aspect {text!r} should look like 0.3:0.9 (width / height).") from None


def _print_crawls(project) -> None:
    from ganime_gui.core.crawl.engine import live_state
    with project.open_catalog() as cat:
        for job in cat.crawls():
            tags = " ".join(job.query.get("tags", [])) or "(all)"
            print(f"{job.id:>4}  {live_state(job):<11} {job.site:<10} {tags:<40} {job.end_reason or ''}")
