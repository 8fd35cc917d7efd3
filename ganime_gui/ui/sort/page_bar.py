"""Page mode's controls: on/off, the page label, and whether a fill may relabel labelled images."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QToolButton, QWidget

MAJORITY = None


class PageBar(QWidget):
    toggled = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.button = QToolButton(self)
        self.button.setText("Page mode")
        self.button.setCheckable(True)
        self.button.setToolTip("P: the rows fully on screen are the page; X marks the exceptions, "
                               "Enter labels the page's unlabelled images")
        self.label_combo = QComboBox(self)
        self.label_combo.setToolTip("The page label (Shift+1–9)")
        self.relabel_box = QCheckBox("Relabel labelled too", self)
        self.relabel_box.setToolTip("Off: a page fill labels only the unlabelled images of the "
                                    "page (Shift+Enter relabels once)")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.button, self.label_combo, self.relabel_box):
            row.addWidget(w)
        self.button.toggled.connect(self._on_toggled)
        self._on_toggled(False)

    def fill_classes(self, classes: tuple[str, ...]) -> None:
        keep = self.label_combo.currentData()
        self.label_combo.clear()
        self.label_combo.addItem("majority", MAJORITY)
        for i, cls in enumerate(classes, start=1):
            self.label_combo.addItem(f"{i} {cls}", cls)
        self.label_combo.setCurrentIndex(max(0, self.label_combo.findData(keep)))

    def page_label(self) -> str | None:
        return self.label_combo.currentData()

    def set_page_label(self, cls: str | None) -> None:
        self.label_combo.setCurrentIndex(max(0, self.label_combo.findData(cls)))

    def _on_toggled(self, on: bool) -> None:
        self.label_combo.setVisible(on)
        self.relabel_box.setVisible(on)
        self.toggled.emit(on)
