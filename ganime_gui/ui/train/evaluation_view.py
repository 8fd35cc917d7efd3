"""A model's result: what it is and how it was trained, accuracy next to balanced accuracy and the
recall of each class, a warning when it predicts one class only, the confusion matrix, and the
validation images it gets wrong or is least sure of (the tab binds keys 1-9 there to relabel them)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from ganime_gui.core.classify.evaluation import describe, metrics_from_confusion, one_class_warning
from ganime_gui.core.classify.models import ModelInfo
from ganime_gui.ui.widgets.image_grid import GridItem, ImageGrid

NO_MODEL = "No model yet: train one, or load one from the list."


def settings_text(meta: dict) -> str:
    """How a model was trained, in one line (from its sidecar)."""
    cfg = meta.get("config") or {}
    if not meta:
        return ""
    parts = [f"weights {meta.get('weights', '?')}", f"{meta.get('frozen_layers', '?')} layers frozen",
             f"best epoch {meta.get('best_epoch', '?')} of {meta.get('epochs_trained', '?')}"]
    if cfg:
        stop = cfg.get("early_stopping_patience")
        parts.append(f"early stopping {stop} epochs" if stop else f"fixed {cfg.get('epochs')} epochs")
        parts.append(f"batch {cfg.get('batch_size')}")
    parts.append(f"{meta.get('n_train', '?')} train / {meta.get('n_val', '?')} validation images")
    if meta.get("stopped"):
        parts.append("stopped by the user")
    return "Label set " + (meta.get("label_set") or "?") + ": " + ", ".join(parts)


def _label(bold: bool = False, color: str | None = None) -> QLabel:
    label = QLabel("")
    label.setWordWrap(True)
    style = ("font-weight: 600;" if bold else "") + (f"color: {color};" if color else "")
    if style:
        label.setStyleSheet(style)
    return label


class EvaluationView(QWidget):
    def __init__(self, jobs=None, parent=None):
        super().__init__(parent)
        self.title = _label(bold=True)
        self.settings_label = _label(color="#555")
        self.metrics_label = _label()
        self.warning_label = _label(bold=True, color="#b71c1c")
        self.notes_label = _label(color="#8a5a00")
        self.confusion_table = QTableWidget(0, 0)
        self.confusion_table.setToolTip("Rows: the true class; columns: the predicted class")
        self.confusion_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.confusion_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.confusion_table.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)
        left = QVBoxLayout()
        for w in (self.title, self.settings_label, self.metrics_label, self.warning_label, self.notes_label,
                  QLabel("Confusion matrix (rows: true, columns: predicted)"), self.confusion_table):
            left.addWidget(w)
        left.addStretch(1)
        self.review_label = QLabel("Validation images it gets wrong (red) or is least sure of; "
                                   "select and press 1–9 to relabel.")
        self.review_label.setWordWrap(True)
        self.review_grid = ImageGrid(jobs)
        right = QVBoxLayout()
        right.addWidget(self.review_label)
        right.addWidget(self.review_grid, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 2)
        layout.addLayout(right, 3)
        self.show_model(None)

    def show_model(self, info: ModelInfo | None, empty_text: str = NO_MODEL) -> None:
        meta = info.meta if info is not None else {}
        ev = meta.get("evaluation") or {}
        self.title.setText(info.summary() if info is not None else empty_text)
        self.settings_label.setText(settings_text(meta))
        lines = describe(ev)
        metrics = metrics_from_confusion(ev["confusion"], ev["class_names"]) if lines else {}
        warning = one_class_warning(metrics)
        self.metrics_label.setText("\n".join(line for line in lines if line != warning))
        self.warning_label.setText(warning)
        self.warning_label.setVisible(bool(warning))
        notes = meta.get("notes") or []
        self.notes_label.setText("\n".join(notes))
        self.notes_label.setVisible(bool(notes))
        self._show_confusion(ev.get("class_names", []), ev.get("confusion", []))
        self._show_review(ev)

    def set_title(self, text: str) -> None:
        self.title.setText(text)

    def _show_confusion(self, names: list[str], confusion: list[list[int]]) -> None:
        table = self.confusion_table
        table.clear()
        table.setRowCount(len(names))
        table.setColumnCount(len(names))
        table.setHorizontalHeaderLabels(names)
        table.setVerticalHeaderLabels(names)
        peak = max((max(r) for r in confusion), default=1) or 1
        for i, row in enumerate(confusion):
            for j, n in enumerate(row):
                cell = QTableWidgetItem(str(n))
                cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                tint = QColor("#2ca02c" if i == j else "#d62728")
                tint.setAlphaF(0.12 + 0.5 * n / peak if n else 0.0)
                cell.setBackground(tint)
                table.setItem(i, j, cell)

    def _show_review(self, ev: dict) -> None:
        items = []
        for kind, entries in (("wrong", ev.get("wrong", [])), ("unsure", ev.get("least_sure", []))):
            for e in entries:
                caption = f"{e['true']} → {e['predicted']}" if kind == "wrong" else e["predicted"]
                items.append(GridItem(e["path"], f"{caption}\n{e['confidence']:.2f}",
                                      f"{e['path']}\ntrue {e['true']}, predicted {e['predicted']} "
                                      f"({e['confidence']:.3f})", "#c62828" if kind == "wrong" else None))
        self.review_grid.set_items(items)
