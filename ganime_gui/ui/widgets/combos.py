"""Combo boxes in narrow columns."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

# A combo box this narrow still reads ("DiffAugment (def…"); the open list shows whole entries.
MIN_CHARS = 14


def narrow_combo(combo: QComboBox | None = None) -> QComboBox:
    """A combo box (new, or ``combo``) that elides long entries instead of widening its column;
    once its entry changes, the tooltip shows it whole (or the entry's own tooltip, where it has
    one). Doing it twice changes nothing."""
    combo = combo if combo is not None else QComboBox()
    if combo.property("narrow"):
        return combo
    combo.setProperty("narrow", True)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(MIN_CHARS)
    combo.view().setTextElideMode(Qt.TextElideMode.ElideNone)
    def show_current(index: int) -> None:
        tip = combo.itemData(index, Qt.ItemDataRole.ToolTipRole) if index >= 0 else None
        combo.setToolTip(tip or combo.itemText(index))
    combo.currentIndexChanged.connect(show_current)
    return combo
