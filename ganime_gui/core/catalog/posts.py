"""Posts listed by the crawler: their metadata, tags and download state."""
from __future__ import annotations

import json
from typing import Iterable

from ganime_gui.core.boorus.base import Post

from .db import Database

# listed: waiting for its download; filtered: a filter refused it (error says which);
# downloaded: its file is in images/; duplicate: the file was already there (same md5);
# failed: the download gave up (error says why).
POST_STATES = ("listed", "filtered", "downloaded", "duplicate", "failed")
FINAL_STATES = ("downloaded", "duplicate")


class PostsMixin:
    db: Database

    def save_posts(self, posts: Iterable[tuple], job_id: int | None) -> dict[int, tuple[int, str]]:
        """Insert or refresh ``(post, state, error[, file id])`` items; returns
        {post id: (row id, state)}. A post that already has its file keeps its state and file
        (a second crawl must not undo the first).
        """
        out: dict[int, tuple[int, str]] = {}
        with self.db.transaction():
            for post, state, error, *rest in posts:
                file_id = rest[0] if rest else None
                row = self.db.one("SELECT id, state FROM posts WHERE site = ? AND post_id = ?",
                                  (post.site, post.id))
                values = (post.md5, " ".join(post.tags), post.rating, post.width, post.height,
                          post.source, post.file_url, post.sample_url, post.preview_url,
                          post.created_at, post.score, json.dumps(post.to_json()))
                if row is None:
                    row_id = self.db.execute(
                        "INSERT INTO posts(md5, tags, rating, width, height, source, file_url,"
                        " sample_url, preview_url, created_at, score, meta, site, post_id, state,"
                        " error, job_id, file_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        (*values, post.site, post.id, state, error, job_id, file_id)).lastrowid
                else:
                    row_id = row["id"]
                    keep = row["state"] in FINAL_STATES
                    self.db.execute(
                        "UPDATE posts SET md5=?, tags=?, rating=?, width=?, height=?, source=?,"
                        " file_url=?, sample_url=?, preview_url=?, created_at=?, score=?, meta=?,"
                        " state=?, error=?, job_id=?, file_id=COALESCE(file_id, ?) WHERE id=?",
                        (*values, row["state"] if keep else state, None if keep else error,
                         job_id, file_id, row_id))
                    state = row["state"] if keep else state
                    self.db.execute("DELETE FROM post_tags WHERE post_id = ?", (row_id,))
                self.db.executemany("INSERT OR IGNORE INTO post_tags(tag, post_id) VALUES (?, ?)",
                                    [(t, row_id) for t in set(post.tags)])
                out[post.id] = (row_id, state)
        return out

    def set_post_result(self, row_id: int, state: str, file_id: int | None = None,
                        error: str | None = None) -> None:
        self.db.execute("UPDATE posts SET state = ?, file_id = COALESCE(?, file_id), error = ? "
                        "WHERE id = ?", (state, file_id, error, row_id))

    def pending_posts(self, job_id: int, state: str = "listed") -> list[tuple[int, Post]]:
        """Posts a crawl listed but has not finished downloading (``state="failed"``: those
        whose download gave up), oldest listing first."""
        rows = self.db.query("SELECT id, meta FROM posts WHERE job_id = ? AND state = ? "
                             "ORDER BY id", (job_id, state))
        return [(r["id"], Post.from_json(json.loads(r["meta"]))) for r in rows if r["meta"] != "{}"]

    def file_id_for_md5(self, md5: str | None) -> int | None:
        """The file already holding this post md5: the same bytes, or a sample of the same post."""
        if not md5:
            return None
        row = self.db.one("SELECT id FROM files WHERE md5 = ?", (md5,))
        if row is not None:
            return row["id"]
        return self.db.scalar("SELECT file_id FROM posts WHERE md5 = ? AND file_id IS NOT NULL "
                              "LIMIT 1", (md5,))

    def post_row(self, site: str, post_id: int):
        return self.db.one("SELECT * FROM posts WHERE site = ? AND post_id = ?", (site, post_id))

    def count_posts(self, state: str | None = None, job_id: int | None = None) -> int:
        sql, params = "SELECT COUNT(*) FROM posts WHERE 1=1", []
        if state is not None:
            sql += " AND state = ?"
            params.append(state)
        if job_id is not None:
            sql += " AND job_id = ?"
            params.append(job_id)
        return self.db.scalar(sql, params, default=0)

    def tags_of_file(self, file_id: int) -> list[str]:
        rows = self.db.query("SELECT DISTINCT t.tag FROM post_tags t JOIN posts p ON p.id = t.post_id "
                             "WHERE p.file_id = ? ORDER BY t.tag", (file_id,))
        return [r["tag"] for r in rows]

    def file_ids_with_tag(self, tag: str) -> list[int]:
        rows = self.db.query("SELECT DISTINCT p.file_id FROM post_tags t JOIN posts p ON p.id = t.post_id "
                             "WHERE t.tag = ? AND p.file_id IS NOT NULL ORDER BY p.file_id", (tag,))
        return [r["file_id"] for r in rows]
