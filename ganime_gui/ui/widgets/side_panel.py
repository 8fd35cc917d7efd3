"""A tab's left-hand column of settings: stacked boxes that scroll vertically, never sideways."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLayout, QScrollArea, QVBoxLayout, QWidget

from ganime_gui.ui.widgets.combos import narrow_combo


def side_panel(*items: QWidget | QLayout, min_width: int = 310, max_width: int = 400) -> QScrollArea:
    """Stack widgets and layouts top to bottom, with the spare height left at the bottom.

    The column is as wide as its widest row needs (within ``min_width``..``max_width``) plus the
    scroll bar, so nothing is cut off at its right edge; long combo-box entries are elided there
    instead of widening the column (``narrow_combo``)."""
    controls = QWidget()
    column = QVBoxLayout(controls)
    for item in items:
        if isinstance(item, QLayout):
            column.addLayout(item)
        else:
            column.addWidget(item)
    column.addStretch(1)
    for combo in controls.findChildren(QComboBox):
        narrow_combo(combo)
    scroll = QScrollArea()
    scroll.setWidget(controls)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    needed = (controls.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width()
              + 2 * scroll.frameWidth())
    scroll.setMinimumWidth(max(min_width, needed))
    scroll.setMaximumWidth(max(max_width, needed))
    return scroll

