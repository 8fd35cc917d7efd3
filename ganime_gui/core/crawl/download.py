"""One post's file: pick the size, stream it to a temporary file, verify it, rename it into place.

The final name is always ``images/<md5 of the bytes>.<type sniffed from the bytes>``: nothing a
server sends (file name, extension, path) decides where a file lands.

Per-post isolation: whatever goes wrong with one post's bytes, URL, redirects or decode raises
:class:`DownloadFailed` with a one-line reason, and the crawl goes on without that post. Only what
belongs to the site (a challenge, a refused key, a rate limit held, the network down: the
:class:`Blocked` errors), a full disk and a stop request get past this module.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import requests

from ganime_gui.core.boorus.base import Blocked, BooruError, Post, SiteAdapter
from ganime_gui.core.fsutil import DiskFull, commit, is_disk_full, safe_join, temp_path
from ganime_gui.core.images import ImageRejected, check_image
from ganime_gui.core.jobs import CancelledFn, JobCancelled, never_cancelled

from .client import HttpClient, peek

log = logging.getLogger("ganime.crawl")

CHUNK = 256 * 1024
TEMP_PREFIX = ".dl-"
TEMP_SUFFIX = ".part"
MAX_FILE_BYTES = 200 << 20   # the largest booru originals (long GIFs) are about 100 MiB


class DownloadFailed(Exception):
    """This post's file could not be fetched or verified; the crawl goes on without it."""


class CorruptDownload(DownloadFailed):
    """Short body or wrong md5: worth another try."""


@dataclass(frozen=True)
class Downloaded:
    path: Path
    md5: str
    size: int
    width: int | None
    height: int | None
    url: str


def pick_urls(post: Post, size: str = "original", min_px: int = 256) -> list[tuple[str, bool]]:
    """The URLs to try in order, each with whether its bytes must match the post's md5.

    ``sample``: the smallest variant whose long side is at least ``min_px`` (training uses
    64-256 px, so an 850 px sample saves most of the bandwidth); the original when none is.
    Only the original carries the post's md5; a 404 on a URL moves on to the next one.
    """
    original = [post.file_url, *post.fallback_urls] if post.file_url else list(post.fallback_urls)
    urls = [(u, True) for u in original]
    if size == "sample":
        sized = [v for v in post.variants() if v.kind != "original" and v.long_side]
        big_enough = sorted((v for v in sized if v.long_side >= min_px), key=lambda v: v.long_side)
        full = max(post.width or 0, post.height or 0)
        if big_enough and (not full or big_enough[0].long_side < full):
            urls.insert(0, (big_enough[0].url, False))
    return urls


def sniff_ext(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def clean_stray_parts(images_dir: Path) -> int:
    """Remove temporary files a killed crawl left behind. Returns how many."""
    n = 0
    for p in images_dir.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
        with contextlib.suppress(OSError):
            p.unlink()
            n += 1
    return n


def download_post(client: HttpClient, adapter: SiteAdapter, post: Post, images_dir: Path,
                  size: str = "original", min_px: int = 256, attempts: int = 3,
                  cancelled: CancelledFn = never_cancelled,
                  max_bytes: int = MAX_FILE_BYTES) -> Downloaded:
    urls = pick_urls(post, size, min_px)
    if not urls:
        raise DownloadFailed("the post has no file URL")
    last: DownloadFailed | None = None
    for _ in range(attempts):
        try:
            return _fetch_first(client, adapter, post, urls, images_dir, cancelled, max_bytes)
        except CorruptDownload as exc:
            last = exc
        except (DownloadFailed, Blocked, JobCancelled, DiskFull):
            raise
        except BooruError as exc:      # an unsafe redirect, a taken-down post, an odd answer
            raise DownloadFailed(_sentence(str(exc))) from exc
        except Exception as exc:  # noqa: BLE001 - one post's trouble never ends the crawl
            if is_disk_full(exc):
                raise DiskFull(f"The disk is full: could not save post {post.id}'s file. Free "
                               f"some space and resume the crawl; nothing saved was lost.") from exc
            log.info("post %s: unexpected %s", post.id, type(exc).__name__, exc_info=True)
            raise DownloadFailed(f"{type(exc).__name__}: {_sentence(str(exc))}") from exc
    raise DownloadFailed(f"{last} (gave up after {attempts} tries)")


def _sentence(text: str) -> str:
    return text.strip().rstrip(".")[:300]


def _fetch_first(client, adapter, post, urls, images_dir, cancelled, max_bytes) -> Downloaded:
    """Try each URL until one answers (404 moves on: guessed extensions, missing samples)."""
    missing = []
    for url, verify_md5 in urls:
        with client.politeness.gate(url).slot(cancelled):
            resp = client.get_file(url)
            with resp:
                if resp.status_code == 404:
                    missing.append(url)
                    continue
                if resp.status_code >= 400:
                    adapter.check_error(resp.status_code, resp.headers, peek(resp, 2000))
                    raise DownloadFailed(f"HTTP {resp.status_code} for the file")
                return _stream_to_file(resp, url, post, images_dir, verify_md5, cancelled, max_bytes)
    raise DownloadFailed(f"the file is gone from the site (404): {missing[0]}")


def _stream_to_file(resp, url: str, post: Post, images_dir: Path, verify_md5: bool,
                    cancelled: CancelledFn, max_bytes: int) -> Downloaded:
    expected = resp.headers.get("Content-Length")
    expected = int(expected) if expected and expected.isdigit() else None
    if expected is not None and expected > max_bytes:
        raise DownloadFailed(f"the file is {expected / 2**20:.0f} MiB, more than the "
                             f"{max_bytes / 2**20:.0f} MiB a picture may have")
    digest = hashlib.md5()
    with temp_path(images_dir, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX) as tmp:
        written, head = 0, b""
        with open(tmp, "wb") as fh:
            try:
                for chunk in resp.iter_content(CHUNK):
                    if cancelled():
                        raise JobCancelled()
                    if len(head) < 16:
                        head += chunk[:16]
                    digest.update(chunk)
                    fh.write(chunk)
                    written += len(chunk)
                    if written > max_bytes:
                        raise DownloadFailed(f"the file went on past the {max_bytes / 2**20:.0f} "
                                             f"MiB a picture may have")
            except requests.RequestException as exc:  # a cut or stalled connection mid-body
                raise CorruptDownload(f"the connection broke after {written} bytes") from exc
        if expected is not None and written != expected:
            raise CorruptDownload(f"got {written} of {expected} bytes")
        md5 = digest.hexdigest()
        if verify_md5 and post.md5 and md5 != post.md5:
            raise CorruptDownload(f"the file's md5 {md5} is not the post's {post.md5}")
        ext = sniff_ext(head)
        if ext is None:
            raise DownloadFailed("the server sent something that is not an image")
        try:
            # Bytes that match the site's md5 cannot be cut short: the header is enough. A sample
            # has no md5 to check, so it is decoded in full.
            width, height = check_image(tmp, decode=not (verify_md5 and post.md5))
        except ImageRejected as exc:
            raise DownloadFailed(_sentence(str(exc)).replace(tmp.name, "the image")) from exc
        final = safe_join(images_dir, f"{md5}.{ext}")
        if not final.exists():   # else the same bytes are already there
            commit(tmp, final)
    return Downloaded(final, md5, written, width, height, url)

