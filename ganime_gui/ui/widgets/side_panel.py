"""A tab's left-hand column of settings: stacked boxes that scroll vertically, never sideways."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLayout, QScrollArea, QVBoxLayout, QWidget

# A combo box this narrow still reads ("Data-efficient: Dif…"); its full text is its tooltip.
_COMBO_MIN_CHARS = 14


def side_panel(*items: QWidget | QLayout, min_width: int = 310, max_width: int = 400) -> QScrollArea:
    """Stack widgets and layouts top to bottom, with the spare height left at the bottom.

    The column is as wide as its widest row needs (within ``min_width``..``max_width``) plus the
    scroll bar, so nothing is cut off at its right edge; long combo-box entries are elided there
    instead of widening the column, and show in full in the list and the tooltip."""
    controls = QWidget()
    column = QVBoxLayout(controls)
    for item in items:
        if isinstance(item, QLayout):
            column.addLayout(item)
        else:
            column.addWidget(item)
    column.addStretch(1)
    for combo in controls.findChildren(QComboBox):
        _fit(combo)
    scroll = QScrollArea()
    scroll.setWidget(controls)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    needed = (controls.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
              + 2 * scroll.frameWidth())
    scroll.setMinimumWidth(max(min_width, needed))
    scroll.setMaximumWidth(max(max_width, needed))
    return scroll


def _fit(combo: QComboBox) -> None:
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(_COMBO_MIN_CHARS)
    combo.view().setTextElideMode(Qt.TextElideMode.ElideNone)  # the open list shows whole entries
    combo.currentTextChanged.connect(combo.setToolTip)
    combo.setToolTip(combo.currentText())
