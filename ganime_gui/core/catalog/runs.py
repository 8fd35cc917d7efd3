"""Training runs (classifier and GAN): what ran, with which settings, how it ended."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from .db import Database


@dataclass(frozen=True)
class RunRecord:
    id: int
    kind: str
    name: str
    path: str | None
    config: dict
    state: str
    summary: dict
    created_at: float
    updated_at: float


class RunsMixin:
    db: Database

    def add_run(self, kind: str, name: str, path: str | None = None,
                config: dict[str, Any] | None = None) -> int:
        now = time.time()
        return self.db.execute(
            "INSERT INTO runs(kind, name, path, config, created_at, updated_at) VALUES (?,?,?,?,?,?)",
            (kind, name, path, json.dumps(config or {}), now, now)).lastrowid

    def update_run(self, run_id: int, state: str | None = None,
                   summary: dict[str, Any] | None = None) -> None:
        with self.db.transaction():
            row = self.db.one("SELECT state, summary FROM runs WHERE id = ?", (run_id,))
            if row is None:
                raise KeyError(run_id)
            merged = {**json.loads(row["summary"]), **(summary or {})}
            self.db.execute("UPDATE runs SET state = ?, summary = ?, updated_at = ? WHERE id = ?",
                            (state or row["state"], json.dumps(merged), time.time(), run_id))

    def runs(self, kind: str | None = None) -> list[RunRecord]:
        sql = "SELECT * FROM runs" + (" WHERE kind = ?" if kind else "") + " ORDER BY id DESC"
        rows = self.db.query(sql, (kind,) if kind else ())
        return [RunRecord(r["id"], r["kind"], r["name"], r["path"], json.loads(r["config"]), r["state"],
                          json.loads(r["summary"]), r["created_at"], r["updated_at"]) for r in rows]
