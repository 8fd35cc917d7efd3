"""The learn-as-I-sort panel beside the queue: on/off, how often, the queue's order, and how good
the model is on the labels it never saw."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox,
                               QWidget)

from ganime_gui.core.sorting.active import DEFAULT_EVERY, UNCERTAIN, LearnLoop, surest


class LearnPanel(QWidget):
    toggled = Signal(bool)
    order_changed = Signal()
    retrain_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.enable_box = QCheckBox("Learn as I sort", self)
        self.enable_box.setToolTip("A quick model retrains on the frozen-feature cache every N "
                                   "new labels and re-orders the images ahead of you")
        self.every_spin = QSpinBox(self)
        self.every_spin.setRange(5, 5000)
        self.every_spin.setValue(DEFAULT_EVERY)
        self.every_spin.setPrefix("every ")
        self.every_spin.setSuffix(" labels")
        self.order_combo = QComboBox(self)
        self.order_combo.setToolTip("How the images ahead of you are ordered after each retrain")
        self.retrain_button = QPushButton("Retrain now", self)
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.enable_box, self.every_spin, self.order_combo, self.retrain_button):
            row.addWidget(w)
        row.addWidget(self.status, 1)
        self.enable_box.toggled.connect(self._on_toggled)
        self.order_combo.currentIndexChanged.connect(lambda _i: self.order_changed.emit())
        self.retrain_button.clicked.connect(self.retrain_requested)
        self._on_toggled(False)

    def fill_classes(self, classes: tuple[str, ...]) -> None:
        keep = self.order_combo.currentData()
        self.order_combo.blockSignals(True)
        self.order_combo.clear()
        self.order_combo.addItem("Most uncertain first", UNCERTAIN)
        for cls in classes:
            self.order_combo.addItem(f"Surest {cls} first", surest(cls))
        self.order_combo.setCurrentIndex(max(0, self.order_combo.findData(keep)))
        self.order_combo.blockSignals(False)

    def order(self) -> str:
        return self.order_combo.currentData() or UNCERTAIN

    def enabled(self) -> bool:
        return self.enable_box.isChecked()

    def show_state(self, loop: LearnLoop, backbone: str) -> None:
        if not self.enabled():
            self.status.setText("")
            return
        if loop.running:
            head = "retraining…"
        else:
            head = f"next retrain in <b>{loop.until_next()}</b> labels"
        last = loop.last
        if last is None:
            quality = f"no model yet (features: {backbone})"
        elif last.balanced_accuracy is None:
            quality = (f"model {loop.rounds}: too few held-out labels to measure "
                       f"({last.held_out}); trained on {last.trained_on}")
        else:
            recall = ", ".join(f"{c} {r:.0%}" for c, r in last.recall.items())
            quality = (f"model {loop.rounds}: balanced accuracy <b>{last.balanced_accuracy:.0%}</b> "
                       f"on {last.held_out} held-out labels (recall {recall}; trained on "
                       f"{last.trained_on}, {last.seconds:.1f} s)")
        self.status.setText(f"{head} · {quality}")

    def _on_toggled(self, on: bool) -> None:
        for w in (self.every_spin, self.order_combo, self.retrain_button):
            w.setEnabled(on)
        self.toggled.emit(on)
