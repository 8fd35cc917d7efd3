"""A tab's left-hand column of settings: stacked boxes that scroll vertically, never sideways."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLayout, QScrollArea, QVBoxLayout, QWidget


def side_panel(*items: QWidget | QLayout, min_width: int = 310, max_width: int = 400) -> QScrollArea:
    """Stack widgets and layouts top to bottom, with the spare height left at the bottom."""
    controls = QWidget()
    column = QVBoxLayout(controls)
    for item in items:
        if isinstance(item, QLayout):
            column.addLayout(item)
        else:
            column.addWidget(item)
    column.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidget(controls)
    scroll.setWidgetResizable(True)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setMinimumWidth(min_width)
    scroll.setMaximumWidth(max_width)
    return scroll
