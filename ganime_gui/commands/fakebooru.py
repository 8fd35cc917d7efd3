"""``ganime fakebooru``: serve the local fake booru, or write a synthetic image folder.

    ganime fakebooru --port 8765 --posts 20000 --seed 1 --profile safebooru --faults 429=5
    ganime fakebooru --write-figures DIR --count 500 --seed 1 [--min-height 96 --max-height 160]
"""
from __future__ import annotations

import argparse

from ganime_gui.core.jobs import UserError
from ganime_gui.fakebooru.faults import KNOWN


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--posts", type=int, default=20000, help="number of posts (default 20000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the posts and pictures")
    parser.add_argument("--profile", default="safebooru",
                        choices=("safebooru", "gelbooru", "danbooru", "moebooru"))
    parser.add_argument("--faults", metavar="SPEC",
                        help=f"faults to inject, e.g. '429=5:retry_after=2,truncate=0.1,seed=3' "
                             f"(known: {', '.join(KNOWN)})")
    parser.add_argument("--latency-ms", type=float, default=0, help="delay before every answer")
    parser.add_argument("--bandwidth-kbps", type=float, default=0,
                        help="per-connection cap on response bodies in kbit/s (0: none)")
    parser.add_argument("--deep-limit", type=int, default=None,
                        help="deepest offset served (gelbooru family) or page (danbooru, moebooru)")
    parser.add_argument("--max-limit", type=int, default=None, help="largest page size served")
    parser.add_argument("--rate-limit", type=float, default=0,
                        help="API requests per second before answering 429 (0: no limit)")
    parser.add_argument("--max-file-connections", type=int, default=0, metavar="N",
                        help="file downloads at once before answering 429 (0: no limit)")
    parser.add_argument("--min-height", type=int, default=500, help="smallest picture height")
    parser.add_argument("--max-height", type=int, default=1500, help="largest picture height")
    parser.add_argument("--api-user", metavar="NAME",
                        help="gelbooru/danbooru: the only user id/login accepted (default: any)")
    parser.add_argument("--api-key", metavar="KEY", help="gelbooru/danbooru: the only API key accepted")
    parser.add_argument("--api-level", choices=("gold", "member"), default="gold",
                        help="danbooru: the account level a right key gets (gold: 6 tags, deeper pages)")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.add_argument("--write-figures", metavar="DIR",
                        help="instead of serving, write --count pictures and ground_truth.csv to DIR")
    parser.add_argument("--count", type=int, default=200, help="pictures for --write-figures")
    parser.add_argument("--near-duplicates", type=int, default=0,
                        help="near-copies among the --write-figures pictures")
    parser.add_argument("--chibi-fraction", type=float, default=0.3,
                        help="share of chibi pictures for --write-figures")


def run(args: argparse.Namespace) -> int:
    if args.min_height < 16 or args.max_height < args.min_height:
        raise UserError("--min-height must be at least 16 and no more than --max-height.")
    if args.write_figures:
        from ganime_gui.fakebooru.figures import write_image_folder
        csv_path = write_image_folder(args.write_figures, args.count, args.seed,
                                      min_height=args.min_height, max_height=args.max_height,
                                      near_duplicates=args.near_duplicates,
                                      chibi_fraction=args.chibi_fraction)
        print(f"Wrote {args.count} pictures and {csv_path}")
        return 0
    from ganime_gui.fakebooru.server import FakeBooruServer
    server = FakeBooruServer(args.profile, args.posts, args.seed, port=args.port,
                             faults=args.faults, latency_ms=args.latency_ms,
                             bandwidth_kbps=args.bandwidth_kbps, deep_limit=args.deep_limit,
                             max_limit=args.max_limit, rate_limit=args.rate_limit,
                             max_file_connections=args.max_file_connections,
                             min_height=args.min_height, max_height=args.max_height,
                             api_user=args.api_user, api_key=args.api_key, api_level=args.api_level,
                             quiet=not args.verbose)
    print(f"Fake booru ({args.profile}, {args.posts} posts, seed {args.seed}) at {server.base_url}"
          + (f" with faults {args.faults}" if args.faults else ""), flush=True)
    print(f"Try {server.base_url}{EXAMPLE_PATHS[args.profile]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


EXAMPLE_PATHS = {
    "safebooru": "/index.php?page=post&s=list&tags=full_body+solo",
    "gelbooru": "/index.php?page=dapi&s=post&q=index&json=1&api_key=k&user_id=1&tags=solo",
    "danbooru": "/posts.json?tags=solo&limit=20",
    "moebooru": "/post.json?tags=solo&limit=20",
}
