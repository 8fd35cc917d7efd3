"""The crawl job: list pages by keyset cursor, filter, dedupe, download concurrently, resume.

Durability: each listed page is saved with its posts and the moved cursor in one transaction,
and each finished download is recorded after its file is renamed into place. So a crawl killed at
any moment restarts without listing a finished page again and without fetching a finished file
again (a file renamed but not yet recorded is found on disk by its md5 and adopted).
"""
from __future__ import annotations

import dataclasses
import logging
import os
import queue
import socket
import sqlite3
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from ganime_gui.core.boorus import Credentials, make_adapter
from ganime_gui.core.boorus.base import BadResponse, Blocked, Page, Post, SiteAdapter
from ganime_gui.core.catalog import Catalog
from ganime_gui.core.fsutil import DiskFull
from ganime_gui.core.images import ImageRejected, check_image
from ganime_gui.core.jobs import (CancelledFn, JobCancelled, ProgressFn, UserError, never_cancelled,
                                  no_progress)
from ganime_gui.core.project import Project
from ganime_gui.core.timefmt import format_eta

from .client import MAX_BODY_BYTES, HttpClient, RetryPolicy, redact
from .download import MAX_FILE_BYTES, Downloaded, DownloadFailed, clean_stray_parts, download_post
from .events import CrawlReport
from .politeness import DEFAULT_DOWNLOADS_PER_HOST, SHARED, Politeness, sleep_cancellable
from .query import CrawlQuery, filter_reason, plan_for_site
from .stats import CrawlStats, RateMeter
from .suggest import suggest_tags

log = logging.getLogger("ganime.crawl")

_BLOCKED_WORDS = {
    "challenge": "Blocked by a challenge",
    "auth": "Blocked by a missing or refused API key",
    "rate_limit": "Blocked by the rate limit",
    "network": "Blocked by the network",
    "certificate": "Blocked by an untrusted certificate",
    "blocked": "Blocked by the site",
}
# Unfinished states a crawl can be resumed from; rerunning the same query picks these up.
RESUMABLE_STATES = ("interrupted", "stopped", "blocked", "incomplete", "failed", "new")
# How many resumes give the failed posts of a crawl another try.
FAILED_RETRY_ROUNDS = 2


class ListingIncomplete(Exception):
    """Listing stopped before the site's count was reached: pages came back empty or unusable."""


@dataclass
class CrawlOptions:
    """The same defaults for the GUI and the headless command."""

    concurrency: int = 4                   # download threads
    interval_s: float | None = None        # between API requests to a host; None: the site's
    #                                        polite value (1 s); 0: off (local servers only)
    downloads_per_host: int = DEFAULT_DOWNLOADS_PER_HOST   # at once, halved on 429/503
    page_size: int | None = None           # None: the largest the site allows
    empty_page_retries: int = 3            # when the known total says more posts exist
    download_attempts: int = 3             # per file, on a short body or a wrong md5
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    report_interval_s: float = 0.25
    max_body_bytes: int = MAX_BODY_BYTES   # one API answer
    max_file_bytes: int = MAX_FILE_BYTES   # one picture
    politeness: Politeness | None = None   # None: the process-wide clocks (shared with lookups)


@dataclass(frozen=True)
class CrawlOutcome:
    job_id: int
    state: str                             # done | incomplete | stopped | blocked | failed
    reason: str                            # one sentence for the user
    stats: CrawlStats

    @property
    def exit_code(self) -> int:
        return {"done": 0, "stopped": 130, "blocked": 3, "incomplete": 4}.get(self.state, 1)


def owner_tag() -> list:
    """Who runs a crawl: a crawl left 'running' by a process that is gone was interrupted."""
    return [socket.gethostname(), os.getpid()]


def owner_alive(owner) -> bool:
    if not owner or len(owner) != 2 or owner[0] != socket.gethostname():
        return bool(owner) and owner[0] != socket.gethostname()  # another machine: trust it
    try:
        os.kill(int(owner[1]), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError, ValueError):
        return True
    return True


def live_state(record) -> str:
    """The state to show: 'running' only while the process running it is alive."""
    if record.state == "running" and not owner_alive(record.cursor.get("owner")):
        return "interrupted"
    return record.state


class Crawler:
    """A crawl job: ``Crawler.new(...)`` or ``Crawler.resume(...)``, then call it as a job."""

    def __init__(self, project: Project, catalog: Catalog, job_id: int, adapter: SiteAdapter,
                 query: CrawlQuery, options: CrawlOptions | None = None):
        self.project = project
        self.catalog = catalog
        self.job_id = job_id
        self.adapter = adapter
        self.list_adapter = adapter
        self.query = query
        self.options = options or CrawlOptions()
        self.plan = plan_for_site(query, adapter)
        record = catalog.crawl(job_id)
        self.stats = CrawlStats.from_json(record.stats if record else {})
        self.cursor = dict(record.cursor if record else {})
        self._events: list[str] = []
        self._thumbs: list[str] = []
        self._lock = threading.Lock()
        self._futures: dict[Future, tuple[int, Post]] = {}
        # md5 -> (row, post) of other posts with the same file, waiting on its download
        self._inflight_md5: dict[str, list[tuple[int, Post]]] = {}
        self._rate = RateMeter()
        self._last_report = float("-inf")  # not 0.0: monotonic() is near 0 after boot
        self._report_lock = threading.Lock()
        self._wait_until: float | None = None
        self._api_problem = ""
        self._file_hosts: set[str] = set()
        self._count_future: Future | None = None
        self._finished: queue.SimpleQueue[Future] = queue.SimpleQueue()
        self._images_rel = project.relpath(project.images_dir)   # downloads land right in it
        self._counted = False

    # -- construction ----------------------------------------------------------------------------
    @classmethod
    def new(cls, project: Project, catalog: Catalog, site: str, query: CrawlQuery,
            base_url: str | None = None, credentials: Credentials | None = None,
            options: CrawlOptions | None = None) -> "Crawler":
        adapter = make_adapter(site, base_url, credentials)
        job_id = catalog.create_crawl(site, adapter.base_url, query.to_json())
        return cls(project, catalog, job_id, adapter, query, options)

    @classmethod
    def resume(cls, project: Project, catalog: Catalog, job_id: int,
               credentials: Credentials | None = None,
               options: CrawlOptions | None = None) -> "Crawler":
        record = catalog.crawl(job_id)
        if record is None:
            raise UserError(f"There is no crawl number {job_id} in this project.")
        adapter = make_adapter(record.site, record.base_url, credentials)
        return cls(project, catalog, job_id, adapter, CrawlQuery.from_json(record.query), options)

    # -- the job ---------------------------------------------------------------------------------
    def __call__(self, progress: ProgressFn, cancelled: CancelledFn) -> CrawlOutcome:
        self.progress, self.cancelled = progress, cancelled
        options = self.options
        interval = self.adapter.polite_interval_s if options.interval_s is None else options.interval_s
        self.politeness = options.politeness or SHARED
        self.politeness.configure(self.adapter.base_url, interval_s=interval,
                                  downloads_per_host=options.downloads_per_host)
        self.client = HttpClient(self.politeness, options.retry, cancelled,
                                 pool_size=options.concurrency + 2, notify=self.event,
                                 max_body_bytes=options.max_body_bytes, on_wait=self._waiting)
        self.cursor["owner"] = owner_tag()
        self.catalog.update_crawl(self.job_id, state="running", cursor=self.cursor)
        clean_stray_parts(self.project.images_dir)
        pool = ThreadPoolExecutor(max(1, options.concurrency), thread_name_prefix="crawl-dl")
        self.pool = pool
        requests_before = self.stats.requests
        state, reason_head = "done", ""
        try:
            self.event(f"Crawling {self.adapter.host} for {self.query.describe()}"
                       + (f" (the site takes {len(self.plan.server_tags)} tags; the rest are checked here)"
                          if self.plan.client_tags else ""))
            self._queue_pending()
            incomplete = None
            try:
                self._list_all()
            except ListingIncomplete as exc:   # what was listed still downloads
                incomplete = exc
            while self._futures:
                self._drain(block=True)
            self._known_total(wait=True)
            if incomplete is not None:
                raise incomplete
        except JobCancelled:
            state = "stopped"
        except Blocked as exc:
            state, reason_head = "blocked", f"{_BLOCKED_WORDS.get(exc.kind, 'Blocked')}: {exc}"
        except ListingIncomplete as exc:
            state, reason_head = "incomplete", f"Incomplete: {exc}"
        except DiskFull as exc:
            state, reason_head = "failed", f"Stopped: {exc}"
        except UserError as exc:   # a site error, a refused file name
            state, reason_head = "failed", f"Stopped on an error: {exc}"
        except sqlite3.OperationalError as exc:
            state, reason_head = "failed", f"Stopped: {catalog_problem(exc)}"
        except Exception as exc:
            # Say so in the catalog too (not just "running" forever), then let the job report it.
            self.catalog.update_crawl(self.job_id, state="failed", stats=self.stats.to_json(),
                                      end_reason=f"Stopped on an unexpected error: "
                                                 f"{type(exc).__name__}: {exc}")
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            self._collect_finished()
            self.stats.requests = requests_before + self.client.requests
            self.client.close()
        self._wait_until = None
        self.cursor.pop("owner", None)
        reason = self._end_reason(state, reason_head)
        try:
            self.catalog.update_crawl(self.job_id, state=state, end_reason=reason,
                                      stats=self.stats.to_json(), cursor=self.cursor)
        except sqlite3.OperationalError as exc:   # a full disk: the crawl shows as interrupted
            log.warning("crawl %d: could not save how it ended: %s", self.job_id, exc)
        self.event(reason)
        self._report(force=True, message=reason)
        return CrawlOutcome(self.job_id, state, reason, self.stats)

    # -- listing ---------------------------------------------------------------------------------
    @property
    def accepted(self) -> int:
        waiting = sum(len(w) for w in self._inflight_md5.values())
        return (self.stats.downloaded + self.stats.had + self.stats.failed + len(self._futures)
                + waiting)

    def _limit_reached(self) -> bool:
        return bool(self.query.limit) and self.accepted >= self.query.limit

    def _list_all(self) -> None:
        # The total is asked for beside the downloads, after the first short page or the
        # second page, so the polite gap between API requests delays neither the first
        # downloads nor the second page's.
        need_count = self.stats.total is None and not self.cursor.get("exhausted")
        pages, last_short = 0, False
        page_size = min(self.options.page_size or self.adapter.max_page_size, self.adapter.max_page_size)
        while not self.cursor.get("exhausted") and not self._limit_reached():
            # Keep at most a few pages of downloads queued: memory stays flat, resume stays cheap.
            while len(self._futures) >= max(2 * page_size, 4 * self.options.concurrency):
                self._drain(block=True)
            self._drain(block=False)
            if self._count_future is not None and last_short:
                # A short page may have been the last: the next one would wait its polite turn
                # behind the count anyway, so hear the count first.
                total = self._known_total(wait=True)
                if total is not None and self.cursor.get("server_listed", 0) >= total:
                    self.cursor["exhausted"] = True
                    self.catalog.update_crawl(self.job_id, cursor=self.cursor,
                                              stats=self.stats.to_json())
                    break
            before_id = self.cursor.get("before_id")
            page = self._fetch_page(before_id, page_size)
            pages += 1
            last_short = page.raw_count < page_size
            if need_count and (last_short or pages >= 2):
                need_count = False
                if self.stats.total is None and self._count_future is None:
                    self._count_future = self.pool.submit(self._count)
            self._take_page(page, before_id, page_size)
            self._report()

    def _known_total(self, wait: bool = False) -> int | None:
        """The site's total, once the count asked for in the background has answered."""
        future = self._count_future
        if future is not None and (wait or future.done()):
            self._count_future = None
            total = future.result()      # a Blocked error ends the crawl like any other
            if total is not None:
                self.stats.total = total
        return self.stats.total

    def _count(self) -> int | None:
        self._counted = True
        request = self.adapter.count_request(self.plan.server_tags)
        if request is None:
            return None
        try:
            resp = self.client.get(request)
            return self.adapter.parse_count(resp.status_code, resp.headers, resp.content)
        except BadResponse as exc:
            self._api_problem = str(exc)
            self.event(f"No total count from {self.adapter.host}: {exc}")
            return None

    def _fetch_page(self, before_id: int | None, page_size: int) -> Page:
        retries = 0
        while True:
            request = self.list_adapter.list_request(self.plan.server_tags, before_id, page_size)
            log.debug("list %s %s", request.url, redact(request.params))
            try:
                resp = self.client.get(request)
                page = self.list_adapter.parse_list(resp.status_code, resp.headers, resp.content)
            except BadResponse as exc:
                fallback = getattr(self.list_adapter, "html_fallback", None)
                if fallback is None or self.list_adapter is not self.adapter:
                    raise ListingIncomplete(self._unusable(exc)) from exc
                self._api_problem = str(exc)
                self.event(f"{self.adapter.host}'s API answered with something unusable ({exc}); "
                           f"switching to its HTML list pages.")
                self.list_adapter = fallback()
                continue
            if page.raw_count:
                if before_id is not None and page.min_id is not None and page.min_id >= before_id:
                    raise BadResponse(f"{self.adapter.host} ignored the paging cursor (id:<{before_id}); "
                                      f"stopping instead of listing the same posts again.")
                return page
            if self.stats.total is None and self._count_future is None and not self._counted:
                self.stats.total = self._count()   # an empty page: is it the end?
            total = self._known_total(wait=True)
            more_expected = total is not None and self.cursor.get("server_listed", 0) < total
            allowed = self.options.empty_page_retries if more_expected else (1 if total is None else 0)
            if retries >= allowed:
                if more_expected:
                    raise ListingIncomplete(
                        f"the site counts {total} posts, but after {self.cursor.get('server_listed', 0)} "
                        f"its pages came back empty {retries + 1} times in a row. The site may be "
                        f"busy: resume the crawl later to try those pages again")
                return page
            retries += 1
            why = 'more posts should exist' if more_expected else 'the end was not announced'
            self.event(f"Got an empty page although {why}; "
                       f"asking again ({retries} of {allowed}).")
            self._waiting(self.options.retry.backoff_s * retries)
            sleep_cancellable(self.options.retry.backoff_s * retries, self.cancelled)
            self._waiting(0.0)

    def _unusable(self, exc: Exception) -> str:
        api = f" (before that its API said: {self._api_problem})" if self._api_problem else ""
        return (f"{self.adapter.host} answered a list page with something unusable: {exc}{api}. "
                f"Resume the crawl later to ask for that page again")

    def _take_page(self, page: Page, before_id: int | None, page_size: int) -> None:
        if not page.raw_count:
            self.cursor["exhausted"] = True
            self.catalog.update_crawl(self.job_id, cursor=self.cursor, stats=self.stats.to_json())
            return
        items: list[tuple] = []
        downloads: list[Post] = []
        next_cursor = page.min_id
        stopped_early = False
        posts = sorted(page.posts, key=lambda p: -p.id)
        for post in posts:
            if self.query.limit and self.accepted + len(downloads) >= self.query.limit:
                stopped_early = True
                break
            next_cursor = post.id
            reason = filter_reason(post, self.query, self.plan)
            if reason:
                items.append((post, "filtered", reason))
                self.stats.filtered += 1
                continue
            existing = self.catalog.post_row(post.site, post.id)
            file_id = (existing["file_id"] if existing is not None and existing["state"] in
                       ("downloaded", "duplicate") else None) or self.catalog.file_id_for_md5(post.md5)
            if file_id is not None:
                items.append((post, "duplicate", None, file_id))
                self.stats.had += 1
            else:
                # Listed (not yet a duplicate) even when another post of this crawl is already
                # fetching the same md5: it is linked when that file arrives, fetched itself if
                # that download fails, and found pending by a resume if the crawl dies first.
                items.append((post, "listed", None))
                downloads.append(post)
        processed = len(items)
        self.stats.listed += processed + (0 if stopped_early else page.skipped)
        self.stats.filtered += 0 if stopped_early else page.skipped
        self.stats.pages += 1
        self.cursor["before_id"] = next_cursor if stopped_early else page.min_id
        self.cursor["server_listed"] = self.cursor.get("server_listed", 0) + (
            processed if stopped_early else page.raw_count)
        total = self._known_total()
        if not stopped_early and total is not None and self.cursor["server_listed"] >= total:
            # Keyset paging walks down from the newest post, so the count cannot grow under us:
            # once it is reached, an extra request for an empty page would tell nothing new.
            self.cursor["exhausted"] = True
        page_key = f"before:{before_id}" if before_id is not None else "first"
        saved = self.catalog.finish_page(self.job_id, page_key, items, self.cursor, self.stats.to_json())
        for post in downloads:
            row_id, state = saved[post.id]
            if state == "listed":
                self._want(row_id, post)
        self.event(f"Page {self.stats.pages}: {processed} posts, "
                   f"{sum(1 for i in items if i[1] == 'filtered')} filtered out, "
                   f"{len(downloads)} to download.")

    # -- downloads -------------------------------------------------------------------------------
    def _queue_pending(self) -> None:
        pending = self.catalog.pending_posts(self.job_id)
        rounds = self.cursor.get("failed_retry_rounds", 0)
        failed = (self.catalog.pending_posts(self.job_id, state="failed")
                  if rounds < FAILED_RETRY_ROUNDS else [])
        if failed:
            self.cursor["failed_retry_rounds"] = rounds + 1
            self.stats.failed = max(0, self.stats.failed - len(failed))
            self.event(f"Trying the {len(failed)} posts that failed last time again "
                       f"({rounds + 1} of {FAILED_RETRY_ROUNDS} retries).")
        if pending:
            self.event(f"Resuming: {len(pending)} listed posts still to download.")
        adopted = 0
        for row_id, post in pending + failed:
            file_id = self.catalog.file_id_for_md5(post.md5)
            if file_id is not None:
                self.catalog.record_downloads(self.job_id, [(row_id, "duplicate", file_id, None)],
                                              self._bump("had"))
                continue
            file_id = self._adopt_from_disk(post)
            if file_id is not None:   # renamed into images/ by a run that died before recording
                adopted += 1
                self.catalog.record_downloads(self.job_id, [(row_id, "downloaded", file_id, None)],
                                              self._bump("downloaded"))
                continue
            self._want(row_id, post)
        if adopted:
            self.event(f"Found {adopted} files the last run saved but did not record; kept them.")

    def _adopt_from_disk(self, post: Post) -> int | None:
        """A file renamed into images/ by a run killed before it was recorded: keep it."""
        if not post.md5:
            return None
        for path in self.project.images_dir.glob(f"{post.md5}.*"):
            if path.suffix == ".part":
                continue
            try:
                width, height = check_image(path, decode=False)
            except ImageRejected:
                continue
            return self.catalog.add_file(self.project.relpath(path), post.md5,
                                         path.stat().st_size, width, height)
        return None

    def _bump(self, counter: str) -> dict:
        setattr(self.stats, counter, getattr(self.stats, counter) + 1)
        return self.stats.to_json()

    def _want(self, row_id: int, post: Post) -> None:
        """Download this post, or wait for the download of another post with the same md5."""
        if post.md5 and post.md5 in self._inflight_md5:
            self._inflight_md5[post.md5].append((row_id, post))
            return
        self._submit(row_id, post)

    def _submit(self, row_id: int, post: Post) -> None:
        if post.md5:
            self._inflight_md5.setdefault(post.md5, [])
        future = self.pool.submit(self._download, post)
        self._futures[future] = (row_id, post)
        future.add_done_callback(self._finished.put)

    def _download(self, post: Post) -> Downloaded:
        if self.cancelled():  # also where a paused crawl waits
            raise JobCancelled()
        for url in filter(None, (post.file_url, post.sample_url)):
            host = url.split("/")[2].lower() if url.count("/") >= 2 else ""
            if host and host not in self._file_hosts:   # a CDN gets the same per-host cap
                self._file_hosts.add(host)
                self.politeness.configure(url, downloads_per_host=self.options.downloads_per_host)
        return download_post(self.client, self.adapter, post, self.project.images_dir,
                             self.query.size, self.query.sample_min_px,
                             self.options.download_attempts, self.cancelled,
                             self.options.max_file_bytes)

    def _drain(self, block: bool) -> None:
        """Record the downloads that finished (waiting up to 0.5 s for one when ``block``).

        Finished futures arrive on a queue (their done-callback), so each costs O(1) however
        many are queued: ``wait()`` over thousands of futures per completion would not.
        """
        if not self._futures:
            return
        done = []
        try:
            done.append(self._finished.get(timeout=0.5) if block else self._finished.get_nowait())
            while True:
                done.append(self._finished.get_nowait())
        except queue.Empty:
            pass
        if block and self.cancelled():
            raise JobCancelled()
        self._record([f for f in done if f in self._futures])
        self._report()

    def _collect_finished(self) -> None:
        """After a stop or a block: record what did finish; the rest stays pending for resume."""
        done = [f for f in self._futures if f.done() and not f.cancelled()]
        try:
            self._record(done, raise_blocked=False)
        finally:
            self._futures.clear()

    def _record(self, done, raise_blocked: bool = True) -> None:
        if not done:
            return
        with self.catalog.db.transaction():   # one commit for the whole batch
            blocked = self._record_batch(done, raise_blocked)
        if blocked is not None and raise_blocked:   # after the commit: what finished is kept
            raise blocked

    def _record_batch(self, done, raise_blocked: bool) -> BaseException | None:
        results: list[tuple[int, str, int | None, str | None]] = []
        blocked: BaseException | None = None
        for future in done:
            row_id, post = self._futures.pop(future)
            exc = future.exception()
            waiting = self._inflight_md5.pop(post.md5, []) if post.md5 else []
            if exc is None:
                got: Downloaded = future.result()
                file_id = self.catalog.add_file(f"{self._images_rel}/{got.path.name}", got.md5,
                                                got.size, got.width, got.height)
                results.append((row_id, "downloaded", file_id, None))
                self.stats.downloaded += 1
                for waiting_row, _post in waiting:
                    results.append((waiting_row, "duplicate", file_id, None))
                    self.stats.had += 1
                with self._lock:
                    self._thumbs.append(str(got.path))
                continue
            if isinstance(exc, DownloadFailed):
                results.append((row_id, "failed", None, str(exc)))
                self.stats.failed += 1
                self.event(f"Post {post.id}: {exc}.")
            else:   # blocked, stopped, disk full: the post stays 'listed', a resume fetches it
                blocked = blocked or exc
            if waiting and blocked is None and raise_blocked:
                # The other posts with this md5 try their own URLs now.
                first_row, first_post = waiting[0]
                self._submit(first_row, first_post)
                self._inflight_md5[first_post.md5].extend(waiting[1:])
        if results:
            self.catalog.record_downloads(self.job_id, results, self.stats.to_json())
        return blocked

    # -- reporting -------------------------------------------------------------------------------
    def event(self, text: str) -> None:
        """A line for the log; shown at once (a retry in a download thread must not wait for
        the next page to be heard)."""
        log.info("crawl %d: %s", self.job_id, text)
        with self._lock:
            self._events.append(text)
        if getattr(self, "progress", None) is not None:
            self._report(force=True)

    def _waiting(self, seconds: float) -> None:
        """The client waits ``seconds`` before a retry (0: done waiting)."""
        self._wait_until = time.monotonic() + seconds if seconds > 0 else None
        self._report(force=True)

    def _goal(self) -> tuple[int, int]:
        s = self.stats
        if self.query.limit:
            return s.kept + s.failed, self.query.limit
        return s.finished, s.total or 0

    def _report(self, force: bool = False, message: str | None = None) -> None:
        if not self._report_lock.acquire(blocking=force):
            return
        try:
            now = time.monotonic()
            if not force and now - self._last_report < self.options.report_interval_s:
                return
            self._last_report = now
            done, total = self._goal()
            self._rate.mark(done, now)
            eta = self._rate.eta_s(total - done if total else None)
            with self._lock:
                events, self._events = self._events, []
                thumbs, self._thumbs = self._thumbs, []
            s = self.stats
            waiting = None if self._wait_until is None else max(0.0, self._wait_until - now)
            if message is None:
                message = (f"{s.listed_text()} · {s.counts_text()} · {self._rate.rate():.1f} posts/s · "
                           f"{format_eta(eta)}")
                if waiting:
                    message = f"Retrying in {waiting:.0f} s · " + message
            self.progress(done, total, message, event=CrawlReport(
                self.job_id, dataclasses.replace(s), self._rate.rate(), eta, tuple(events),
                tuple(thumbs), waiting))
        finally:
            self._report_lock.release()

    def _end_reason(self, state: str, head: str) -> str:
        s = self.stats
        counts = f"{s.listed_text()}; {s.counts_text()}"
        if state == "done":
            if self.query.limit and self.accepted >= self.query.limit and not self.cursor.get("exhausted"):
                return f"Done: reached the limit of {self.query.limit} posts ({counts})."
            if s.listed == 0 and (s.total or 0) == 0:
                return self._nothing_found()
            if s.total is not None:
                return f"Done: {s.listed} of {s.total} posts listed; {s.counts_text()}."
            return f"Done: {s.listed} of {s.listed} posts listed; {s.counts_text()}."
        if state == "stopped":
            return f"Stopped by the user ({counts}). Resume the crawl to continue."
        if state == "incomplete":
            return f"{head} ({counts})."
        return f"{head} ({counts}). Resume the crawl once that is fixed."

    def _nothing_found(self) -> str:
        """Zero results: say so, with the site's close tags for each searched tag."""
        text = f"Done: the site has no posts for {self.query.describe()}."
        if self._api_problem:
            return (f"{text} Its API answered with something unusable first "
                    f"({self._api_problem}), so this may not be the whole story.")
        hints = []
        for tag in self.plan.server_tags[:4]:
            if tag.startswith(("-", "id:", "rating:")) or ":" in tag:
                continue
            try:
                close = [sug.tag for sug in suggest_tags(self.adapter, tag[:max(3, len(tag) - 2)],
                                                         limit=4, client=self.client)
                         if sug.tag != tag]
            except Exception as exc:  # noqa: BLE001 - a hint, never a reason to fail
                log.info("no suggestions for %s: %s", tag, exc)
                continue
            if close:
                hints.append(f"for {tag} it has {', '.join(close)}")
        if hints:
            return f"{text} Check the spelling of the tags: {'; '.join(hints)}."
        return f"{text} Check the spelling of the tags, or use fewer of them."


def catalog_problem(exc: sqlite3.OperationalError) -> str:
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return ("the project's catalog is in use by another program (another GANime window or "
                "command working on this project?). Close it, then resume the crawl.")
    if "full" in text:
        return ("the disk is full: the catalog could not be updated. Free some space, then "
                "resume the crawl; the files already saved are adopted then.")
    return f"the project's catalog could not be written ({exc}). Resume the crawl to try again."


def find_unfinished(catalog: Catalog, site: str, base_url: str, query: CrawlQuery) -> int | None:
    """The newest unfinished crawl with exactly this site and query, to resume instead of
    starting over (a crawl that is still running elsewhere does not count)."""
    wanted = query.to_json()
    for record in catalog.crawls():
        if record.site != site or record.base_url != base_url or record.query != wanted:
            continue
        state = live_state(record)
        if state in RESUMABLE_STATES:
            return record.id
        if state == "running":
            raise UserError(f"Crawl {record.id} with this query is running in another window or "
                            f"command (process {record.cursor.get('owner', ['', '?'])[1]}). Let it "
                            f"finish, or stop it first.")
    return None


def run_crawl(project: Project, site: str, query: CrawlQuery, *, base_url: str | None = None,
              credentials: Credentials | None = None, options: CrawlOptions | None = None,
              progress: ProgressFn | None = None, cancelled: CancelledFn | None = None,
              resume_job: int | None = None, continue_same: bool = True) -> CrawlOutcome:
    """Run one crawl to its end in this thread (the headless command, the tab's job, tests).

    ``continue_same``: when an unfinished crawl of the same site and query exists (stopped,
    blocked, incomplete, or interrupted by a dead process), resume it instead of starting over.
    """
    try:
        with project.open_catalog() as catalog:
            crawler = _crawler_for(project, catalog, site, query, base_url, credentials, options,
                                   resume_job, continue_same)
            return crawler(progress or no_progress, cancelled or never_cancelled)
    except sqlite3.OperationalError as exc:
        raise UserError(f"Cannot crawl: {catalog_problem(exc)}") from exc


def _crawler_for(project, catalog, site, query, base_url, credentials, options, resume_job,
                 continue_same) -> Crawler:
    if resume_job is None and continue_same:
        adapter = make_adapter(site, base_url, credentials)
        resume_job = find_unfinished(catalog, site, adapter.base_url, query)
    if resume_job is not None:
        return Crawler.resume(project, catalog, resume_job, credentials, options)
    return Crawler.new(project, catalog, site, query, base_url, credentials, options)
