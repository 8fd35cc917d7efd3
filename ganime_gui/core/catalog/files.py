"""Image files known to the project."""
from __future__ import annotations

import time
from dataclasses import dataclass

from .db import Database


@dataclass(frozen=True)
class FileRecord:
    id: int
    path: str          # relative to the project folder, '/' separators
    md5: str
    size: int
    width: int | None
    height: int | None
    state: str
    phash: str | None = None

    @classmethod
    def from_row(cls, row) -> "FileRecord":
        return cls(row["id"], row["path"], row["md5"], row["size"], row["width"], row["height"],
                   row["state"], row["phash"])


class FilesMixin:
    db: Database

    def add_file(self, path: str, md5: str, size: int, width: int | None = None,
                 height: int | None = None) -> int:
        """Record a file; returns its id. A file with the same md5 is the same file (dedupe)."""
        with self.db.transaction():
            row = self.db.one("SELECT id FROM files WHERE md5 = ?", (md5,))
            if row is not None:
                return row["id"]
            return self.db.execute(
                "INSERT INTO files(path, md5, size, width, height, added_at) VALUES (?,?,?,?,?,?)",
                (path, md5, size, width, height, time.time()),
            ).lastrowid

    def file(self, file_id: int) -> FileRecord | None:
        row = self.db.one("SELECT * FROM files WHERE id = ?", (file_id,))
        return None if row is None else FileRecord.from_row(row)

    def file_by_md5(self, md5: str) -> FileRecord | None:
        row = self.db.one("SELECT * FROM files WHERE md5 = ?", (md5,))
        return None if row is None else FileRecord.from_row(row)

    def files(self, state: str | None = "ok") -> list[FileRecord]:
        if state is None:
            rows = self.db.query("SELECT * FROM files ORDER BY id")
        else:
            rows = self.db.query("SELECT * FROM files WHERE state = ? ORDER BY id", (state,))
        return [FileRecord.from_row(r) for r in rows]

    def count_files(self, state: str | None = "ok") -> int:
        if state is None:
            return self.db.scalar("SELECT COUNT(*) FROM files", default=0)
        return self.db.scalar("SELECT COUNT(*) FROM files WHERE state = ?", (state,), default=0)

    def set_file_state(self, file_id: int, state: str) -> None:
        self.db.execute("UPDATE files SET state = ? WHERE id = ?", (state, file_id))

    def set_file_size(self, file_id: int, width: int, height: int) -> None:
        self.db.execute("UPDATE files SET width = ?, height = ? WHERE id = ?", (width, height, file_id))

    def set_phash(self, file_id: int, phash: str) -> None:
        self.db.execute("UPDATE files SET phash = ? WHERE id = ?", (phash, file_id))
