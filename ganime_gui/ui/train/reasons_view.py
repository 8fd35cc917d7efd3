"""One classifier per reason: each reason's precision and recall on held-out labels, and the combined
verdict's ("clean" = no reason applies), from the ``holdout`` of ``core.classify.reasons``."""
from __future__ import annotations

from typing import Any, Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from ganime_gui.core.classify.reasons import describe_clean

NO_GROUP = ("No reason classifiers yet. Pick a label set with a clean class and reject reasons "
            "(the shipped “reasons” set), tick “One classifier per reason” and train.")
COLUMNS = ("Held-out images", "Precision", "Recall", "Kept out of the clean set")


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.1%}"


def reason_rows(holdout: Mapping[str, Any], clean_class: str) -> list[tuple[str, list[str]]]:
    """(row title, cells) per reason, then the combined verdict's row for the clean class."""
    per_reason = holdout.get("per_reason") or {}
    rows = []
    for reason, kept_out in holdout["reason_recall"].items():
        own = per_reason.get(reason, {})
        rows.append((reason, [str(own.get("images", "?")), _pct(own.get("precision")),
                              _pct(own.get("recall")), _pct(kept_out)]))
    confusion = holdout["confusion"]  # rows: true clean / reject
    rows.append((f"{clean_class} (no reason applies)",
                 [str(sum(confusion[0])), _pct(holdout["clean_precision"]), _pct(holdout["clean_recall"]),
                  "–"]))
    return rows


class ReasonsView(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.title = QLabel(NO_GROUP)
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: 600;")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)  # no empty rows
        self.table.setToolTip("Each reason's row: its own classifier, that reason against the rest. "
                              "Last column: the share of the images with that reason that the combined "
                              "verdict rejects (for any reason). Last row: the combined verdict.")
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.note = QLabel("Images held out before training: none of the classifiers saw them. Each model "
                           "is in the list at the left (Load shows its own evaluation; Apply scores the "
                           "project's images with it).")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #555")
        col = QVBoxLayout(self)
        for w in (self.title, self.table, self.summary, self.note):
            col.addWidget(w)
        col.addStretch(1)
        self.show_group(None)

    def show_training(self, reason: str, index: int, count: int) -> None:
        self.title.setText(f"Training classifier {index} of {count}: {reason} against the rest…")

    def show_group(self, group: Mapping[str, Any] | None, text: str = NO_GROUP) -> None:
        """A ``.reasons.json``'s content (or a ``ReasonModels``' fields as a dict); None: ``text``."""
        self.table.setRowCount(0)
        self.summary.setText("")
        self.note.setVisible(group is not None)
        if group is None:
            self.title.setText(text)
            return
        holdout, clean_class = group["holdout"], group.get("clean_class", "clean")
        self.title.setText(f"Label set {group.get('label_set', '?')}: one classifier per reason, "
                           f"{clean_class} = no reason applies")
        rows = reason_rows(holdout, clean_class)
        self.table.setRowCount(len(rows))
        self.table.setVerticalHeaderLabels([title for title, _ in rows])
        for i, (_, cells) in enumerate(rows):
            for j, text_ in enumerate(cells):
                cell = QTableWidgetItem(text_)
                cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                self.table.setItem(i, j, cell)
        self.summary.setText(describe_clean(holdout))
