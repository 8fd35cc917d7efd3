"""The Sort tab's filter bar: label set, what to show, tags, size, order; turns into a QueueSpec."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QCompleter, QHBoxLayout, QLabel, QLineEdit, QMenu,
                               QSpinBox, QToolButton, QWidget)

from ganime_gui.core.sorting import ORDERS, SHOW_MODES, QueueSpec


def menu_button(parent: QWidget, text: str, items: list[tuple[str, object]]) -> QToolButton:
    button = QToolButton(parent)
    button.setText(text)
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(button)
    for label, slot in items:
        menu.addAction(label, slot)
    button.setMenu(menu)
    return button


def hbox(*items) -> QHBoxLayout:
    """A row of widgets; an int is a spacing; the last widget takes the spare room."""
    row = QHBoxLayout()
    for i, item in enumerate(items):
        if isinstance(item, int):
            row.addSpacing(item)
        else:
            row.addWidget(item, 1 if i == len(items) - 1 else 0)
    return row


class FilterBar(QWidget):
    """``set_changed``: another label set was picked; ``changed``: any other filter changed.
    Neither fires while the bar refills itself."""

    set_changed = Signal()
    changed = Signal()

    def __init__(self, set_actions: list[tuple[str, object]], parent=None):
        super().__init__(parent)
        self._filling = False
        self.set_combo = QComboBox(self)
        self.set_combo.setToolTip("Label set: keys 1–9 give its classes")
        self.sets_button = menu_button(self, "Sets", set_actions)
        self.show_combo = QComboBox(self)
        for key, text in SHOW_MODES.items():
            self.show_combo.addItem(text, key)
        self.label_combo = QComboBox(self)
        self.label_combo.setToolTip("Show images with this label")
        self.tag_edit = QLineEdit(self)
        self.tag_edit.setPlaceholderText("tags (e.g. chibi -multiple_girls)")
        self.tag_edit.setClearButtonEnabled(True)
        self.predicted_combo = QComboBox(self)
        self.predicted_combo.setToolTip("The classifier's predicted class")
        self.min_side = QSpinBox(self)
        self.min_side.setRange(0, 20000)
        self.min_side.setSingleStep(64)
        self.min_side.setPrefix("≥ ")
        self.min_side.setSuffix(" px")
        self.min_side.setToolTip("Shortest side at least (0: any)")
        self.order_combo = QComboBox(self)
        for key, text in ORDERS.items():
            self.order_combo.addItem(text, key)

        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (QLabel("Label set"), self.set_combo, self.sets_button, QLabel("Show"),
                  self.show_combo, self.label_combo, self.tag_edit, self.predicted_combo,
                  self.min_side, QLabel("Order"), self.order_combo):
            row.addWidget(w)
        row.setStretch(row.indexOf(self.tag_edit), 1)

        self.set_combo.currentIndexChanged.connect(self._on_set_changed)
        for combo in (self.show_combo, self.label_combo, self.predicted_combo, self.order_combo):
            combo.currentIndexChanged.connect(self._on_changed)
        self.tag_edit.editingFinished.connect(self._on_changed)
        self.min_side.editingFinished.connect(self._on_changed)
        self.has_model = False

    # -- filling -----------------------------------------------------------------------------------
    def fill_sets(self, names: list[str], select: str | None = None) -> None:
        current = select or self.set_combo.currentData()
        self._filling = True
        self.set_combo.clear()
        for name in names:
            self.set_combo.addItem(name, name)
        self.set_combo.setCurrentIndex(max(0, self.set_combo.findData(current)))
        self._filling = False

    def fill_classes(self, classes: tuple[str, ...], has_model: bool) -> None:
        self._filling = True
        for combo, first in ((self.label_combo, None), (self.predicted_combo, "any prediction")):
            keep = combo.currentData()
            combo.clear()
            if first:
                combo.addItem(first, None)
            for cls in classes:
                combo.addItem(cls, cls)
            combo.setCurrentIndex(max(0, combo.findData(keep)))
        self._filling = False
        self.sync_visibility(has_model)

    def sync_visibility(self, has_model: bool) -> None:
        self.has_model = has_model
        self.label_combo.setVisible(self.show_combo.currentData() == "label")
        self.predicted_combo.setVisible(has_model)
        # The model-based views wait for a classifier's predictions of this label set.
        hint = "" if has_model else "Needs a classifier's predictions (Train tab)"
        for combo, key in ((self.show_combo, "mislabelled"), (self.order_combo, "uncertain")):
            item = combo.model().item(combo.findData(key))
            item.setEnabled(has_model)
            item.setToolTip(hint)

    def set_tags(self, tags: list[str]) -> None:
        # No deleteLater of the old one: setCompleter already disposes of it (a second delete
        # crashes).
        self.tag_edit.setCompleter(QCompleter(tags, self.tag_edit) if tags else None)

    def select(self, combo: QComboBox, key) -> None:
        """Pick ``key`` in one of the bar's combos (as a person would: ``changed`` fires)."""
        combo.setCurrentIndex(combo.findData(key))

    # -- reading -----------------------------------------------------------------------------------
    def label_set_name(self) -> str:
        return self.set_combo.currentData() or ""

    def spec(self) -> QueueSpec:
        return QueueSpec(
            self.label_set_name(), show=self.show_combo.currentData(),
            label=self.label_combo.currentData(), tags=self.tag_edit.text().strip(),
            predicted=self.predicted_combo.currentData() if self.has_model else None,
            min_side=self.min_side.value(), order=self.order_combo.currentData())

    def _on_set_changed(self) -> None:
        if not self._filling:
            self.set_changed.emit()

    def _on_changed(self) -> None:
        if not self._filling:
            self.sync_visibility(self.has_model)
            self.changed.emit()
