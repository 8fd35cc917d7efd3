"""Classifier models known to the project and the scores they gave each file.

The ``.keras`` file and its JSON sidecar in ``models/`` are the model; the ``models`` row names it
for the catalog so predictions can point at it (and go with it when it is deleted).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any, Iterable

from .db import Database


@dataclass(frozen=True)
class ModelRecord:
    id: int
    name: str
    path: str  # relative to the project
    label_set: str
    classes: tuple[str, ...]
    backbone: str
    input_size: int
    val_accuracy: float | None
    created_at: float
    meta: dict

    @classmethod
    def from_row(cls, r) -> "ModelRecord":
        return cls(r["id"], r["name"], r["path"], r["label_set"], tuple(json.loads(r["classes"])),
                   r["backbone"],
                   r["input_size"], r["val_accuracy"], r["created_at"], json.loads(r["meta"] or "{}"))


class PredictionsMixin:
    db: Database

    # -- models ----------------------------------------------------------------------------------
    def register_model(self, name: str, path: str, label_set: str, classes: list[str], backbone: str,
                       input_size: int, val_accuracy: float | None,
                       meta: dict[str, Any] | None = None) -> int:
        """Record a trained model (a model of the same name is replaced, its old predictions dropped)."""
        with self.db.transaction():
            self.db.execute("DELETE FROM models WHERE name = ?", (name,))
            return self.db.execute(
                "INSERT INTO models(name, path, label_set, classes, backbone, input_size, val_accuracy, "
                "created_at, meta) VALUES (?,?,?,?,?,?,?,?,?)",
                (name, path, label_set, json.dumps(list(classes)), backbone, int(input_size), val_accuracy,
                 time.time(), json.dumps(meta or {}))).lastrowid

    def model_record(self, name: str) -> ModelRecord | None:
        row = self.db.one("SELECT * FROM models WHERE name = ?", (name,))
        return None if row is None else ModelRecord.from_row(row)

    def model_name(self, model_id: int) -> str | None:
        return self.db.scalar("SELECT name FROM models WHERE id = ?", (model_id,))

    def model_records(self) -> list[ModelRecord]:
        return [ModelRecord.from_row(r) for r in self.db.query("SELECT * FROM models ORDER BY id DESC")]

    def rename_model_record(self, old: str, new: str, new_path: str) -> None:
        self.db.execute("UPDATE models SET name = ?, path = ? WHERE name = ?", (new, new_path, old))

    def delete_model_record(self, name: str) -> None:
        """Forget a model and, by cascade, its predictions."""
        self.db.execute("DELETE FROM models WHERE name = ?", (name,))

    # -- predictions -----------------------------------------------------------------------------
    def save_predictions(self, model_id: int, scores: dict[int, list[float]]) -> int:
        """Store one score per class for each file id (replacing earlier ones); returns the count."""
        classes = json.loads(self.db.scalar("SELECT classes FROM models WHERE id = ?", (model_id,)))
        now = time.time()
        rows = []
        for file_id, s in scores.items():
            s = [float(v) for v in s]
            best = max(range(len(s)), key=s.__getitem__)
            rows.append((model_id, file_id, json.dumps([round(v, 6) for v in s]), classes[best], s[best],
                         now))
        with self.db.transaction():
            self.db.executemany(
                "INSERT INTO predictions(model_id, file_id, scores, predicted, confidence, at) "
                "VALUES (?,?,?,?,?,?) "
                "ON CONFLICT(model_id, file_id) DO UPDATE SET scores = excluded.scores, "
                "predicted = excluded.predicted, confidence = excluded.confidence, at = excluded.at", rows)
        return len(rows)

    def predictions_of(self, model_id: int) -> dict[int, tuple[float, ...]]:
        return {r[0]: tuple(json.loads(r[1])) for r in
                self.db.query("SELECT file_id, scores FROM predictions WHERE model_id = ?", (model_id,))}

    def prediction_count(self, model_id: int) -> int:
        return self.db.scalar("SELECT COUNT(*) FROM predictions WHERE model_id = ?", (model_id,), default=0)

    def files_to_classify(self, label_set: str | None = None,
                          unlabelled_only: bool = False) -> list[tuple[int, str]]:
        """(file id, relative path) of files in good state; with ``unlabelled_only``, those with no
        label in ``label_set``."""
        if unlabelled_only and label_set:
            rows = self.db.query(
                "SELECT f.id, f.path FROM files f WHERE f.state = 'ok' AND NOT EXISTS "
                "(SELECT 1 FROM labels l JOIN label_sets s ON s.id = l.label_set_id "
                "WHERE l.file_id = f.id AND s.name = ?) ORDER BY f.id",
                (label_set,))
        else:
            rows = self.db.query("SELECT id, path FROM files WHERE state = 'ok' ORDER BY id")
        return [(r[0], r[1]) for r in rows]

    def file_ids_for_paths(self, paths: Iterable[str]) -> dict[str, int]:
        wanted = list(paths)
        out: dict[str, int] = {}
        for start in range(0, len(wanted), 900):  # SQLite's bound-parameter limit
            chunk = wanted[start:start + 900]
            marks = ",".join("?" * len(chunk))
            rows = self.db.query(f"SELECT path, id FROM files WHERE path IN ({marks})", chunk)
            out.update({r[0]: r[1] for r in rows})
        return out
