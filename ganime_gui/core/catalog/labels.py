"""Label sets (named lists of classes) and the label each image has in each set."""
from __future__ import annotations

import time
from dataclasses import dataclass

from ganime_gui.core.jobs import UserError

from .db import Database

# Shipped label sets: the seed workflow's steps. Keys 1..9 pick classes in this order.
# "reasons" is the one-pass set: clean (no reason applies: key 1, the most common label) or the
# seed's reject reasons, in the order the seed met them; the Train tab trains one classifier per
# reason on it (core/classify/reasons.py). "reject" stays a set of reasons only: the GAN leaves out
# any image labelled in it. Projects made before "reasons" shipped get it from schema v4.
REASONS_SET, REASONS_CLEAN = "reasons", "clean"  # the one-pass set and its "no reason applies" class
DEFAULT_LABEL_SETS: dict[str, list[str]] = {
    "chibi": ["chibi", "not_chibi"],
    "single": ["single", "multiple"],
    "quality": ["good", "bad"],
    "reject": ["more_than_one", "flashy_background", "weird_viewpoint", "low_quality"],
    REASONS_SET: [REASONS_CLEAN, "chibi", "more_than_one", "flashy_background", "weird_viewpoint"],
}
# Label sets the app keeps for its own bookkeeping, not the user's classes: the funnel's spot-check
# sample (core/sorting/funnel.py), and any name starting with "_". Not offered for sorting,
# training or GAN selections.
SPOT_SET = "spot checks"


def is_bookkeeping(name: str) -> bool:
    return name == SPOT_SET or name.startswith("_")


PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6",
           "#bfef45", "#fabed4"]


@dataclass(frozen=True)
class LabelSet:
    id: int
    name: str
    classes: tuple[str, ...]
    colors: tuple[str, ...]

    def color_of(self, label: str) -> str:
        return self.colors[self.classes.index(label)]


class LabelsMixin:
    db: Database

    # -- label sets ------------------------------------------------------------------------------
    def ensure_default_label_sets(self) -> None:
        for name, classes in DEFAULT_LABEL_SETS.items():
            if self.label_set(name) is None:
                self.create_label_set(name, classes)

    def create_label_set(self, name: str, classes: list[str]) -> LabelSet:
        name = name.strip()
        classes = [c.strip() for c in classes if c.strip()]
        if not name:
            raise UserError("A label set needs a name.")
        if not 1 <= len(classes) <= 9:
            raise UserError("A label set has 1 to 9 classes (keys 1–9 pick them).")
        if len(set(classes)) != len(classes):
            raise UserError("Two classes of a label set have the same name.")
        with self.db.transaction():
            if self.label_set(name) is not None:
                raise UserError(f"A label set named “{name}” already exists.")
            set_id = self.db.execute("INSERT INTO label_sets(name, created_at) VALUES (?, ?)",
                                     (name, time.time())).lastrowid
            self._write_classes(set_id, classes)
        return self.label_set(name)

    def set_label_classes(self, name: str, classes: list[str]) -> LabelSet:
        """Rename/reorder/add classes. Labels of a removed class stay in the catalog untouched."""
        current = self.label_set(name)
        if current is None:
            raise UserError(f"There is no label set named “{name}”.")
        classes = [c.strip() for c in classes if c.strip()]
        if not 1 <= len(classes) <= 9 or len(set(classes)) != len(classes):
            raise UserError("A label set has 1 to 9 classes with different names.")
        with self.db.transaction():
            self.db.execute("DELETE FROM label_classes WHERE label_set_id = ?", (current.id,))
            self._write_classes(current.id, classes)
        return self.label_set(name)

    def _write_classes(self, set_id: int, classes: list[str]) -> None:
        self.db.executemany(
            "INSERT INTO label_classes(label_set_id, position, name, color) VALUES (?,?,?,?)",
            [(set_id, i, c, PALETTE[i % len(PALETTE)]) for i, c in enumerate(classes)],
        )

    def label_set(self, name: str) -> LabelSet | None:
        row = self.db.one("SELECT id, name FROM label_sets WHERE name = ?", (name,))
        if row is None:
            return None
        classes = self.db.query(
            "SELECT name, color FROM label_classes WHERE label_set_id = ? ORDER BY position", (row["id"],))
        return LabelSet(row["id"], row["name"], tuple(c["name"] for c in classes),
                        tuple(c["color"] for c in classes))

    def label_sets(self, bookkeeping: bool = False) -> list[LabelSet]:
        """The user's label sets, oldest first; with ``bookkeeping`` the app's own ones too."""
        names = [r["name"] for r in self.db.query("SELECT name FROM label_sets ORDER BY id")]
        return [self.label_set(n) for n in names if bookkeeping or not is_bookkeeping(n)]

    # -- labels ----------------------------------------------------------------------------------
    def set_labels(self, label_set: str, file_ids: list[int], label: str | None) -> None:
        """Give these files one label (None clears). One transaction: committed when it returns."""
        ls = self._require_set(label_set)
        if label is not None and label not in ls.classes:
            raise UserError(f"“{label}” is not a class of the label set “{label_set}”.")
        now = time.time()
        with self.db.transaction():
            if label is None:
                self.db.executemany("DELETE FROM labels WHERE file_id = ? AND label_set_id = ?",
                                    [(f, ls.id) for f in file_ids])
            else:
                self.db.executemany(
                    "INSERT INTO labels(file_id, label_set_id, label, labelled_at) VALUES (?,?,?,?) "
                    "ON CONFLICT(file_id, label_set_id) DO UPDATE SET label = excluded.label, "
                    "labelled_at = excluded.labelled_at",
                    [(f, ls.id, label, now) for f in file_ids],
                )

    def labels(self, label_set: str) -> dict[int, str]:
        ls = self._require_set(label_set)
        return {r["file_id"]: r["label"] for r in
                self.db.query("SELECT file_id, label FROM labels WHERE label_set_id = ?", (ls.id,))}

    def label_of(self, label_set: str, file_id: int) -> str | None:
        ls = self._require_set(label_set)
        return self.db.scalar("SELECT label FROM labels WHERE label_set_id = ? AND file_id = ?",
                              (ls.id, file_id))

    def label_counts(self, label_set: str) -> dict[str, int]:
        ls = self._require_set(label_set)
        counts = {c: 0 for c in ls.classes}
        for r in self.db.query("SELECT label, COUNT(*) AS n FROM labels WHERE label_set_id = ? "
                               "GROUP BY label", (ls.id,)):
            counts[r["label"]] = r["n"]
        return counts

    def labelled_paths(self, label_set: str) -> list[tuple[str, str]]:
        """(relative path, label) of every labelled file in good state: a classifier's data."""
        ls = self._require_set(label_set)
        rows = self.db.query(
            "SELECT f.path, l.label FROM labels l JOIN files f ON f.id = l.file_id "
            "WHERE l.label_set_id = ? AND f.state = 'ok' ORDER BY f.id", (ls.id,))
        return [(r["path"], r["label"]) for r in rows]

    def _require_set(self, name: str) -> LabelSet:
        ls = self.label_set(name)
        if ls is None:
            raise UserError(f"There is no label set named “{name}”.")
        return ls
