"""Crawl jobs: their query, keyset cursor, counters and the pages they finished."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from .db import Database


@dataclass(frozen=True)
class CrawlRecord:
    id: int
    site: str
    base_url: str | None
    query: dict
    state: str             # new | running | paused | done | stopped | blocked | failed
    cursor: dict
    stats: dict
    end_reason: str | None
    created_at: float
    updated_at: float

    @classmethod
    def from_row(cls, row) -> "CrawlRecord":
        return cls(row["id"], row["site"], row["base_url"], json.loads(row["query"]), row["state"],
                   json.loads(row["cursor"] or "{}"), json.loads(row["stats"] or "{}"),
                   row["end_reason"], row["created_at"], row["updated_at"])

    @property
    def resumable(self) -> bool:
        return self.state not in ("done",)


class CrawlsMixin:
    db: Database

    def create_crawl(self, site: str, base_url: str | None, query: dict) -> int:
        now = time.time()
        return self.db.execute(
            "INSERT INTO crawl_jobs(site, base_url, query, state, cursor, stats, created_at,"
            " updated_at) VALUES (?,?,?,?,?,?,?,?)",
            (site, base_url, json.dumps(query), "new", "{}", "{}", now, now)).lastrowid

    def crawl(self, job_id: int) -> CrawlRecord | None:
        row = self.db.one("SELECT * FROM crawl_jobs WHERE id = ?", (job_id,))
        return None if row is None else CrawlRecord.from_row(row)

    def crawls(self) -> list[CrawlRecord]:
        return [CrawlRecord.from_row(r)
                for r in self.db.query("SELECT * FROM crawl_jobs ORDER BY id DESC")]

    def update_crawl(self, job_id: int, *, state: str | None = None, stats: dict | None = None,
                     end_reason: str | None = None, cursor: dict | None = None) -> None:
        sets, params = ["updated_at = ?"], [time.time()]
        for column, value in (("state", state), ("end_reason", end_reason)):
            if value is not None:
                sets.append(f"{column} = ?")
                params.append(value)
        for column, value in (("stats", stats), ("cursor", cursor)):
            if value is not None:
                sets.append(f"{column} = ?")
                params.append(json.dumps(value))
        params.append(job_id)
        self.db.execute(f"UPDATE crawl_jobs SET {', '.join(sets)} WHERE id = ?", params)

    def finish_page(self, job_id: int, page_key: str, posts: list, cursor: dict,
                    stats: dict) -> dict[int, tuple[int, str]]:
        """Save a listed page's posts, mark the page done and move the cursor, all or nothing.

        A crash before this commits re-lists the page; after it, the page is never listed again.
        """
        with self.db.transaction():
            saved = self.save_posts(posts, job_id)  # type: ignore[attr-defined]
            self.db.execute("INSERT OR REPLACE INTO crawl_pages(job_id, page_key, posts, done_at) "
                            "VALUES (?,?,?,?)", (job_id, page_key, len(posts), time.time()))
            self.update_crawl(job_id, cursor=cursor, stats=stats)
        return saved

    def record_downloads(self, job_id: int, results: list[tuple[int, str, int | None, str | None]],
                         stats: dict) -> None:
        """Post results ``(row id, state, file id, error)`` and the crawl's counters, together."""
        with self.db.transaction():
            for row_id, state, file_id, error in results:
                self.set_post_result(row_id, state, file_id, error)  # type: ignore[attr-defined]
            self.update_crawl(job_id, stats=stats)

    def crawl_pages(self, job_id: int) -> list[str]:
        return [r["page_key"] for r in self.db.query(
            "SELECT page_key FROM crawl_pages WHERE job_id = ? ORDER BY done_at", (job_id,))]

    def crawl_page_done(self, job_id: int, page_key: str) -> bool:
        return self.db.one("SELECT 1 FROM crawl_pages WHERE job_id = ? AND page_key = ?",
                           (job_id, page_key)) is not None

    def delete_crawl(self, job_id: int) -> None:
        self.db.execute("DELETE FROM crawl_jobs WHERE id = ?", (job_id,))
