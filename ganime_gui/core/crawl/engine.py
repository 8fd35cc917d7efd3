"""The crawl job: list pages by keyset cursor, filter, dedupe, download concurrently, resume.

Durability: each listed page is saved with its posts and the moved cursor in one transaction,
and each finished download is recorded after its file is renamed into place. So a crawl killed at
any moment restarts without listing a finished page again and without fetching a finished file
again (a file renamed but not yet recorded is found on disk by its md5 and adopted).
"""
from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from ganime_gui.core.boorus import Credentials, make_adapter
from ganime_gui.core.boorus.base import BadResponse, Blocked, Page, Post, SiteAdapter
from ganime_gui.core.catalog import Catalog
from ganime_gui.core.jobs import (CancelledFn, JobCancelled, ProgressFn, UserError, never_cancelled,
                                  no_progress)
from ganime_gui.core.project import Project
from ganime_gui.core.timefmt import format_eta

from .client import HttpClient, RetryPolicy, redact
from .download import Downloaded, DownloadFailed, clean_stray_parts, download_post
from .politeness import Politeness, sleep_cancellable
from .query import CrawlQuery, filter_reason, plan_for_site
from .stats import CrawlStats, RateMeter

log = logging.getLogger("ganime.crawl")

_BLOCKED_WORDS = {
    "challenge": "Blocked by a challenge",
    "auth": "Blocked by a missing or refused API key",
    "rate_limit": "Blocked by the rate limit",
    "network": "Blocked by the network",
    "blocked": "Blocked by the site",
}


@dataclass
class CrawlOptions:
    concurrency: int = 4
    interval_s: float | None = None        # per host; None: the site's polite default; 0: off
    page_size: int | None = None           # None: the largest the site allows
    empty_page_retries: int = 3            # when the known total says more posts exist
    download_attempts: int = 3             # per file, on a short body or a wrong md5
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    report_interval_s: float = 0.25


@dataclass(frozen=True)
class CrawlOutcome:
    job_id: int
    state: str                             # done | stopped | blocked | failed
    reason: str                            # one sentence for the user
    stats: CrawlStats

    @property
    def exit_code(self) -> int:
        return {"done": 0, "stopped": 130, "blocked": 3}.get(self.state, 1)


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
        self._inflight_md5: dict[str, list[int]] = {}   # md5 -> rows waiting for that file
        self._rate = RateMeter()
        self._last_report = 0.0

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
        interval = self.options.interval_s
        self.politeness = Politeness(self.adapter.polite_interval_s if interval is None else interval)
        self.client = HttpClient(self.politeness, self.options.retry, cancelled,
                                 pool_size=self.options.concurrency + 2, notify=self.event)
        self.catalog.update_crawl(self.job_id, state="running")
        clean_stray_parts(self.project.images_dir)
        pool = ThreadPoolExecutor(max(1, self.options.concurrency), thread_name_prefix="crawl-dl")
        self.pool = pool
        requests_before = self.stats.requests
        state, reason_head = "done", ""
        try:
            self.event(f"Crawling {self.adapter.host} for {self.query.describe()}"
                       + (f" (the site takes {len(self.plan.server_tags)} tags; the rest are checked here)"
                          if self.plan.client_tags else ""))
            self._queue_pending()
            self._list_all()
            while self._futures:
                self._drain(block=True)
        except JobCancelled:
            state = "stopped"
        except Blocked as exc:
            state, reason_head = "blocked", f"{_BLOCKED_WORDS.get(exc.kind, 'Blocked')}: {exc}"
        except UserError as exc:   # a site error, a refused file name, a full disk
            state, reason_head = "failed", f"Stopped on an error: {exc}"
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
        reason = self._end_reason(state, reason_head)
        self.catalog.update_crawl(self.job_id, state=state, end_reason=reason,
                                  stats=self.stats.to_json(), cursor=self.cursor)
        self.event(reason)
        self._report(force=True, message=reason)
        return CrawlOutcome(self.job_id, state, reason, self.stats)

    # -- listing ---------------------------------------------------------------------------------
    @property
    def accepted(self) -> int:
        return self.stats.downloaded + self.stats.had + self.stats.failed + len(self._futures)

    def _limit_reached(self) -> bool:
        return bool(self.query.limit) and self.accepted >= self.query.limit

    def _list_all(self) -> None:
        if self.stats.total is None and not self.cursor.get("exhausted"):
            self.stats.total = self._count()
        page_size = min(self.options.page_size or self.adapter.max_page_size, self.adapter.max_page_size)
        while not self.cursor.get("exhausted") and not self._limit_reached():
            # Keep at most a few pages of downloads queued: memory stays flat, resume stays cheap.
            while len(self._futures) >= max(2 * page_size, 4 * self.options.concurrency):
                self._drain(block=True)
            self._drain(block=False)
            before_id = self.cursor.get("before_id")
            page = self._fetch_page(before_id, page_size)
            self._take_page(page, before_id, page_size)
            self._report()

    def _count(self) -> int | None:
        request = self.adapter.count_request(self.plan.server_tags)
        if request is None:
            return None
        try:
            resp = self.client.get(request)
            return self.adapter.parse_count(resp.status_code, resp.headers, resp.content)
        except BadResponse as exc:
            log.info("no total count from %s: %s", self.adapter.host, exc)
            return None

    def _fetch_page(self, before_id: int | None, page_size: int) -> Page:
        retries = 0
        while True:
            request = self.list_adapter.list_request(self.plan.server_tags, before_id, page_size)
            log.debug("list %s %s", request.url, redact(request.params))
            resp = self.client.get(request)
            try:
                page = self.list_adapter.parse_list(resp.status_code, resp.headers, resp.content)
            except BadResponse:
                fallback = getattr(self.list_adapter, "html_fallback", None)
                if fallback is None or self.list_adapter is not self.adapter:
                    raise
                self.event(f"{self.adapter.host}'s API answered with something unusable; "
                           f"switching to its HTML list pages.")
                self.list_adapter = fallback()
                continue
            if page.raw_count:
                if before_id is not None and page.min_id is not None and page.min_id >= before_id:
                    raise BadResponse(f"{self.adapter.host} ignored the paging cursor (id:<{before_id}); "
                                      f"stopping instead of listing the same posts again.")
                return page
            total = self.stats.total
            more_expected = total is not None and self.cursor.get("server_listed", 0) < total
            allowed = self.options.empty_page_retries if more_expected else (1 if total is None else 0)
            if retries >= allowed:
                return page
            retries += 1
            self.event(f"Got an empty page although {'more posts should exist' if more_expected else 'the end was not announced'}; "
                       f"asking again ({retries} of {allowed}).")
            sleep_cancellable(self.options.retry.backoff_s * retries, self.cancelled)

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
            elif post.md5 and (post.md5 in self._inflight_md5 or any(p.md5 == post.md5 for p in downloads)):
                items.append((post, "duplicate", None))
                self.stats.had += 1
                self._inflight_md5.setdefault(post.md5, [])
            else:
                items.append((post, "listed", None))
                downloads.append(post)
        processed = len(items)
        self.stats.listed += processed + (0 if stopped_early else page.skipped)
        self.stats.filtered += 0 if stopped_early else page.skipped
        self.stats.pages += 1
        self.cursor["before_id"] = next_cursor if stopped_early else page.min_id
        self.cursor["server_listed"] = self.cursor.get("server_listed", 0) + (
            processed if stopped_early else page.raw_count)
        total = self.stats.total
        if not stopped_early and total is not None and self.cursor["server_listed"] >= total:
            # Keyset paging walks down from the newest post, so the count cannot grow under us:
            # once it is reached, an extra request for an empty page would tell nothing new.
            self.cursor["exhausted"] = True
        page_key = f"before:{before_id}" if before_id is not None else "first"
        saved = self.catalog.finish_page(self.job_id, page_key, items, self.cursor, self.stats.to_json())
        for item in items:
            post, state = item[0], item[1]
            if state == "duplicate" and len(item) == 3 and post.md5:
                self._inflight_md5[post.md5].append(saved[post.id][0])
        for post in downloads:
            row_id, state = saved[post.id]
            if state == "listed":
                self._submit(row_id, post)
        self.event(f"Page {self.stats.pages}: {processed} posts, "
                   f"{sum(1 for i in items if i[1] == 'filtered')} filtered out, {len(downloads)} to download.")

    # -- downloads -------------------------------------------------------------------------------
    def _queue_pending(self) -> None:
        pending = self.catalog.pending_posts(self.job_id)
        if pending:
            self.event(f"Resuming: {len(pending)} listed posts still to download.")
        for row_id, post in pending:
            file_id = self.catalog.file_id_for_md5(post.md5) or self._adopt_from_disk(post)
            if file_id is not None:
                self.catalog.record_downloads(self.job_id, [(row_id, "duplicate", file_id, None)],
                                              self._bump("had"))
                continue
            self._submit(row_id, post)

    def _adopt_from_disk(self, post: Post) -> int | None:
        """A file renamed into images/ by a run killed before it was recorded: keep it."""
        if not post.md5:
            return None
        for path in self.project.images_dir.glob(f"{post.md5}.*"):
            if path.suffix == ".part":
                continue
            try:
                from PIL import Image
                with Image.open(path) as im:
                    width, height = im.size
            except OSError:
                continue
            return self.catalog.add_file(self.project.relpath(path), post.md5,
                                         path.stat().st_size, width, height)
        return None

    def _bump(self, counter: str) -> dict:
        setattr(self.stats, counter, getattr(self.stats, counter) + 1)
        return self.stats.to_json()

    def _submit(self, row_id: int, post: Post) -> None:
        if post.md5:
            self._inflight_md5.setdefault(post.md5, [])
        future = self.pool.submit(self._download, post)
        self._futures[future] = (row_id, post)

    def _download(self, post: Post) -> Downloaded:
        if self.cancelled():  # also where a paused crawl waits
            raise JobCancelled()
        return download_post(self.client, self.adapter, post, self.project.images_dir,
                             self.query.size, self.query.sample_min_px,
                             self.options.download_attempts, self.cancelled)

    def _drain(self, block: bool) -> None:
        if not self._futures:
            return
        if block:
            done, _ = wait(list(self._futures), timeout=0.5, return_when=FIRST_COMPLETED)
            if self.cancelled():
                raise JobCancelled()
        else:
            done = [f for f in self._futures if f.done()]
        self._record(done)
        self._report()

    def _collect_finished(self) -> None:
        """After a stop or a block: record what did finish; the rest stays pending for resume."""
        done = [f for f in self._futures if f.done() and not f.cancelled()]
        try:
            self._record(done, raise_blocked=False)
        finally:
            self._futures.clear()

    def _record(self, done, raise_blocked: bool = True) -> None:
        results: list[tuple[int, str, int | None, str | None]] = []
        blocked: BaseException | None = None
        for future in done:
            row_id, post = self._futures.pop(future)
            exc = future.exception()
            if exc is None:
                got: Downloaded = future.result()
                file_id = self.catalog.add_file(self.project.relpath(got.path), got.md5, got.size,
                                                got.width, got.height)
                results.append((row_id, "downloaded", file_id, None))
                self.stats.downloaded += 1
                for waiting in self._inflight_md5.pop(post.md5, []) if post.md5 else []:
                    results.append((waiting, "duplicate", file_id, None))
                with self._lock:
                    self._thumbs.append(str(got.path))
            elif isinstance(exc, DownloadFailed):
                results.append((row_id, "failed", None, str(exc)))
                self.stats.failed += 1
                self.event(f"Post {post.id}: {exc}.")
                self._inflight_md5.pop(post.md5, None) if post.md5 else None
            elif isinstance(exc, (Blocked, JobCancelled)):
                blocked = blocked or exc   # the post stays 'listed': a resume fetches it
            else:
                blocked = blocked or exc
        if results:
            self.catalog.record_downloads(self.job_id, results, self.stats.to_json())
        if blocked is not None and raise_blocked:
            raise blocked

    # -- reporting -------------------------------------------------------------------------------
    def event(self, text: str) -> None:
        log.info("crawl %d: %s", self.job_id, text)
        with self._lock:
            self._events.append(text)

    def _goal(self) -> tuple[int, int]:
        s = self.stats
        if self.query.limit:
            return s.kept + s.failed, self.query.limit
        return s.finished, s.total or 0

    def _report(self, force: bool = False, message: str | None = None) -> None:
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
        if message is None:
            message = (f"{s.listed_text()} · {s.counts_text()} · {self._rate.rate():.1f} posts/s · "
                       f"{format_eta(eta)}")
        self.progress(done, total, message, stats=s.to_json(), rate=self._rate.rate(), eta_s=eta,
                      thumbs=thumbs, events=events, job_id=self.job_id)

    def _end_reason(self, state: str, head: str) -> str:
        s = self.stats
        counts = f"{s.listed_text()}; {s.counts_text()}"
        if state == "done":
            if self.query.limit and self.accepted >= self.query.limit and not self.cursor.get("exhausted"):
                return f"Done: reached the limit of {self.query.limit} posts ({counts})."
            if s.total is not None:
                return f"Done: {s.listed} of {s.total} posts listed; {s.counts_text()}."
            return f"Done: {s.listed} of {s.listed} posts listed; {s.counts_text()}."
        if state == "stopped":
            return f"Stopped by the user ({counts}). Resume the crawl to continue."
        return f"{head} ({counts}). Resume the crawl once that is fixed."


def run_crawl(project: Project, site: str, query: CrawlQuery, *, base_url: str | None = None,
              credentials: Credentials | None = None, options: CrawlOptions | None = None,
              progress: ProgressFn | None = None, cancelled: CancelledFn | None = None,
              resume_job: int | None = None) -> CrawlOutcome:
    """Run one crawl to its end in this thread (the headless command, tests, the benchmark)."""
    with project.open_catalog() as catalog:
        if resume_job is not None:
            crawler = Crawler.resume(project, catalog, resume_job, credentials, options)
        else:
            crawler = Crawler.new(project, catalog, site, query, base_url, credentials, options)
        return crawler(progress or no_progress, cancelled or never_cancelled)


