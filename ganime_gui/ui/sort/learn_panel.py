"""The learn-as-I-sort panel beside the queue: on/off, how often, the queue's order, and how good
the model is on the labels it never saw."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel, QPushButton,
                               QSpinBox, QWidget)

from ganime_gui.core.sorting.active import (DEFAULT_EVERY, MIN_HOLDOUT, UNCERTAIN, LearnLoop,
                                            surest)


# (what the person reads, (backbone, weights)): the default is the app's fast CPU backbone; the
# tiny CNN needs no download (a fresh machine offline) but its random features learn little.
FEATURES = (("MobileNetV2 (ImageNet)", ("mobilenet_v2", "imagenet")),
            ("Tiny CNN (no download)", ("tiny_cnn", None)))


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
        self.features_combo = QComboBox(self)
        self.features_combo.setToolTip(
            "Where the quick model's features come from (frozen). MobileNetV2's ImageNet weights "
            "are downloaded once into ~/.keras/models; the tiny CNN needs no download, but its "
            "untrained features tell little apart.")
        for text, _choice in FEATURES:
            self.features_combo.addItem(text)
        self.order_combo = QComboBox(self)
        self.order_combo.setToolTip("How the images ahead of you are ordered after each retrain")
        self.retrain_button = QPushButton("Retrain now", self)
        self.status = QLabel(self)
        self.status.setTextFormat(Qt.TextFormat.RichText)
        # Its full width when there is room; long figures never widen the window (the label
        # clips, its tooltip has them all).
        self.status.setMinimumWidth(1)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.enable_box, self.every_spin, self.features_combo, self.order_combo,
                  self.retrain_button):
            row.addWidget(w)
        row.addStretch(1)   # the status is placed by the tab, beside the queue's counts
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

    def features(self) -> tuple[str, str | None]:
        """(backbone, weights) of the chosen features."""
        return FEATURES[max(0, self.features_combo.currentIndex())][1]

    def order(self) -> str:
        return self.order_combo.currentData() or UNCERTAIN

    def enabled(self) -> bool:
        return self.enable_box.isChecked()

    def show_state(self, loop: LearnLoop, backbone: str) -> None:
        if not self.enabled():
            self.status.setText("")
            self.status.setToolTip("")
            return
        head = "retraining…" if loop.running else f"retrain in <b>{loop.until_next()}</b>"
        last, detail = loop.last, f"Features: {backbone}, frozen."
        if last is None:
            quality = "learning: no model yet"
        elif last.balanced_accuracy is None:
            quality = f"model {loop.rounds}: accuracy from {MIN_HOLDOUT} held-out labels"
            detail += (f" {last.held_out} labels held out so far. Trained on {last.trained_on} "
                       f"labels in {last.seconds:.1f} s.")
        else:
            recall = ", ".join(f"{c} {r:.0%}" for c, r in last.recall.items())
            quality = (f"model {loop.rounds}: balanced accuracy <b>{last.balanced_accuracy:.0%}</b>"
                       f" ({last.held_out} held out)")
            detail += (f" Balanced accuracy on {last.held_out} labels it never trained on; "
                       f"recall per class: {recall}. Trained on {last.trained_on} other labels "
                       f"in {last.seconds:.1f} s.")
        self.status.setText(f"{quality} · {head}")
        self.status.setToolTip(detail)

    def _on_toggled(self, on: bool) -> None:
        for w in (self.every_spin, self.features_combo, self.order_combo, self.retrain_button):
            w.setEnabled(on)
        self.toggled.emit(on)
