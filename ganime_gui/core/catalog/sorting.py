"""The Sort tab's queries: sorting queues with their filters, the persisted label history
(undo/redo that survives a restart), perceptual hashes and the models' predictions per file."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Iterable

from .db import Database

# Orders the database can do itself; the model-based ones are computed in core.sorting.queue.
SQL_ORDERS = {
    "catalog": "f.id",
    "size_desc": "f.size DESC, f.id",
    "size_asc": "f.size ASC, f.id",
    "resolution_desc": "COALESCE(f.width * f.height, 0) DESC, f.id",
    "resolution_asc": "COALESCE(f.width * f.height, 0) ASC, f.id",
}


@dataclass(frozen=True)
class QueueRow:
    """One image of a sorting queue, with what the grid shows and the filters need."""
    id: int
    path: str
    md5: str
    size: int
    width: int | None
    height: int | None
    label: str | None          # in the active label set
    predicted: str | None = None
    confidence: float | None = None
    scores: tuple[float, ...] | None = None


@dataclass(frozen=True)
class LabelChange:
    file_id: int
    old: str | None
    new: str | None


@dataclass(frozen=True)
class HistoryStep:
    """One undoable action (a keypress, a batch, a page fill, an import)."""
    batch: int
    label_set: str
    changes: tuple[LabelChange, ...]


class SortingMixin:
    db: Database

    # -- queues ----------------------------------------------------------------------------------
    def queue_rows(self, label_set_id: int, *, unlabelled_only: bool = False,
                   label: str | None = None, tags_all: Iterable[str] = (),
                   tags_none: Iterable[str] = (), min_side: int = 0, max_side: int = 0,
                   min_bytes: int = 0, max_bytes: int = 0, model_id: int | None = None,
                   predicted: str | None = None, only_predicted: bool = False,
                   hide_label: tuple[int, str] | None = None,
                   order: str = "catalog") -> list[QueueRow]:
        """Files in good state matching every filter given, in an SQL-side order."""
        where = ["f.state = 'ok'"]
        params: list = []
        if unlabelled_only:
            where.append("l.label IS NULL")
        if label is not None:
            where.append("l.label = ?")
            params.append(label)
        for test, tags in (("EXISTS", tags_all), ("NOT EXISTS", tags_none)):
            for tag in tags:  # any post of the file carries (or none carries) the tag
                where.append(f"{test} (SELECT 1 FROM posts p JOIN post_tags t ON t.post_id = p.id "
                             f"WHERE p.file_id = f.id AND t.tag = ?)")
                params.append(tag)
        bounds = (("MIN(COALESCE(f.width, 0), COALESCE(f.height, 0)) >= ?", min_side),
                  ("MAX(COALESCE(f.width, 0), COALESCE(f.height, 0)) <= ?", max_side),
                  ("f.size >= ?", min_bytes), ("f.size <= ?", max_bytes),
                  ("p.predicted = ?", predicted))
        for condition, value in bounds:
            if value:  # 0, "" and None mean "any"
                where.append(condition)
                params.append(value)
        if only_predicted:
            where.append("p.file_id IS NOT NULL")
        if hide_label is not None:
            where.append("NOT EXISTS (SELECT 1 FROM labels h WHERE h.file_id = f.id "
                         "AND h.label_set_id = ? AND h.label = ?)")
            params.extend(hide_label)
        sql = (
            "SELECT f.id, f.path, f.md5, f.size, f.width, f.height, l.label, "
            "p.predicted, p.confidence, p.scores FROM files f "
            "LEFT JOIN labels l ON l.file_id = f.id AND l.label_set_id = ? "
            "LEFT JOIN predictions p ON p.file_id = f.id AND p.model_id = ? "
            f"WHERE {' AND '.join(where)} ORDER BY {SQL_ORDERS[order]}"
        )
        rows = self.db.query(sql, [label_set_id, model_id if model_id is not None else -1, *params])
        return [QueueRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
                         tuple(json.loads(r[9])) if r[9] else None) for r in rows]

    def label_map(self, label_set_id: int, file_ids: Iterable[int]) -> dict[int, str | None]:
        """The current label of each file in one set (None where unlabelled)."""
        ids = list(file_ids)
        out: dict[int, str | None] = dict.fromkeys(ids)
        for chunk_start in range(0, len(ids), 900):  # SQLite's bound-parameter limit
            chunk = ids[chunk_start:chunk_start + 900]
            marks = ",".join("?" * len(chunk))
            for r in self.db.query(f"SELECT file_id, label FROM labels WHERE label_set_id = ? "
                                   f"AND file_id IN ({marks})", [label_set_id, *chunk]):
                out[r[0]] = r[1]
        return out

    def latest_model_for(self, label_set: str) -> tuple[int, tuple[str, ...]] | None:
        """The newest classifier of this label set that has predictions: (model id, classes)."""
        row = self.db.one(
            "SELECT m.id, m.classes FROM models m WHERE m.label_set = ? AND EXISTS "
            "(SELECT 1 FROM predictions p WHERE p.model_id = m.id) ORDER BY m.id DESC LIMIT 1",
            (label_set,))
        return None if row is None else (row[0], tuple(json.loads(row[1])))

    def tag_counts(self, limit: int = 500) -> list[tuple[str, int]]:
        """The most common crawl tags among files on disk (for the tag filter's completer)."""
        rows = self.db.query(
            "SELECT t.tag, COUNT(DISTINCT p.file_id) AS n FROM post_tags t JOIN posts p "
            "ON p.id = t.post_id WHERE p.file_id IS NOT NULL GROUP BY t.tag ORDER BY n DESC, t.tag "
            "LIMIT ?", (limit,))
        return [(r[0], r[1]) for r in rows]

    # -- label history -----------------------------------------------------------------------------
    def apply_label_changes(self, label_set: str, file_ids: Iterable[int],
                            new_labels: str | None | dict[int, str | None]) -> HistoryStep | None:
        """Label files and record the step for undo, in one transaction (durable on return).

        ``new_labels`` is one label (None clears) for all files or a label per file. Files whose
        label does not change are left out of the step; None when nothing changes. A new step
        drops the redo tail, as in every editor.
        """
        ls = self._require_set(label_set)  # type: ignore[attr-defined]
        ids = list(dict.fromkeys(file_ids))
        wanted = new_labels if isinstance(new_labels, dict) else dict.fromkeys(ids, new_labels)
        with self.db.transaction():
            current = self.label_map(ls.id, ids)
            changes = [LabelChange(f, current[f], wanted[f]) for f in ids if current[f] != wanted[f]]
            if not changes:
                return None
            self.db.execute("DELETE FROM label_events WHERE undone = 1")
            batch = self.db.scalar("SELECT COALESCE(MAX(batch), 0) + 1 FROM label_events")
            now = time.time()
            self.db.executemany(
                "INSERT INTO label_events(batch, label_set_id, file_id, old_label, new_label, at) "
                "VALUES (?,?,?,?,?,?)", [(batch, ls.id, c.file_id, c.old, c.new, now) for c in changes])
            self._write_labels(label_set, {c.file_id: c.new for c in changes})
        return HistoryStep(batch, label_set, tuple(changes))

    def undo_label_step(self) -> HistoryStep | None:
        """Undo the newest step not yet undone; None when there is nothing to undo."""
        return self._replay_step(undo=True)

    def redo_label_step(self) -> HistoryStep | None:
        """Redo the oldest undone step; None when there is nothing to redo."""
        return self._replay_step(undo=False)

    def _replay_step(self, undo: bool) -> HistoryStep | None:
        pick = "MAX(batch) FROM label_events WHERE undone = 0" if undo else \
            "MIN(batch) FROM label_events WHERE undone = 1"
        with self.db.transaction():
            batch = self.db.scalar(f"SELECT {pick}")
            if batch is None:
                return None
            step = self._history_step(batch)
            self._write_labels(step.label_set,
                               {c.file_id: (c.old if undo else c.new) for c in step.changes})
            self.db.execute("UPDATE label_events SET undone = ? WHERE batch = ?", (int(undo), batch))
        return step

    def history_depth(self) -> tuple[int, int]:
        """(steps that can be undone, steps that can be redone)."""
        row = self.db.one("SELECT COUNT(DISTINCT CASE WHEN undone = 0 THEN batch END), "
                          "COUNT(DISTINCT CASE WHEN undone = 1 THEN batch END) FROM label_events")
        return row[0], row[1]

    def _history_step(self, batch: int) -> HistoryStep:
        rows = self.db.query(
            "SELECT e.file_id, e.old_label, e.new_label, s.name FROM label_events e "
            "JOIN label_sets s ON s.id = e.label_set_id WHERE e.batch = ? ORDER BY e.id", (batch,))
        return HistoryStep(batch, rows[0][3], tuple(LabelChange(r[0], r[1], r[2]) for r in rows))

    def _write_labels(self, label_set: str, labels: dict[int, str | None]) -> None:
        """Write through LabelsMixin.set_labels (the one writer of the labels table), one call per
        distinct label; it joins the caller's transaction."""
        by_label: dict[str | None, list[int]] = {}
        for file_id, label in labels.items():
            by_label.setdefault(label, []).append(file_id)
        for label, ids in by_label.items():
            self.set_labels(label_set, ids, label)  # type: ignore[attr-defined]

    # -- perceptual hashes -------------------------------------------------------------------------
    def files_without_phash(self) -> list[tuple[int, str]]:
        return [(r[0], r[1]) for r in
                self.db.query("SELECT id, path FROM files WHERE state = 'ok' AND phash IS NULL "
                              "ORDER BY id")]

    def set_phashes(self, hashes: Iterable[tuple[int, str]]) -> None:
        with self.db.transaction():
            self.db.executemany("UPDATE files SET phash = ? WHERE id = ?",
                                [(h, f) for f, h in hashes])

    def phash_rows(self) -> list[tuple[int, str, int, int]]:
        """(file id, phash, pixels, bytes) of every hashed file in good state."""
        return [(r[0], r[1], r[2], r[3]) for r in self.db.query(
            "SELECT id, phash, COALESCE(width * height, 0), size FROM files "
            "WHERE state = 'ok' AND phash IS NOT NULL ORDER BY id")]

    def file_paths(self, file_ids: Iterable[int] | None = None) -> dict[int, tuple[str, str]]:
        """file id -> (relative path, md5); every file in good state when ids is None."""
        if file_ids is None:
            rows = self.db.query("SELECT id, path, md5 FROM files WHERE state = 'ok'")
            return {r[0]: (r[1], r[2]) for r in rows}
        ids = list(file_ids)
        out: dict[int, tuple[str, str]] = {}
        for i in range(0, len(ids), 900):
            chunk = ids[i:i + 900]
            rows = self.db.query(f"SELECT id, path, md5 FROM files WHERE id IN "
                                 f"({','.join('?' * len(chunk))})", chunk)
            out.update({r[0]: (r[1], r[2]) for r in rows})
        return out

    def file_ids_by_md5(self) -> dict[str, int]:
        return {r[0]: r[1] for r in self.db.query("SELECT md5, id FROM files")}
