"""The Sort grid: the thumbnail grid plus page mode's page, which is exactly the rows of cells
fully on screen, outlined (the rest of the viewport is dimmed)."""
from __future__ import annotations

from PySide6.QtCore import QRect, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QAbstractItemView

from ganime_gui.ui.widgets.thumb_grid import ThumbGridView

OUTLINE = QColor("#f58231")
DIM = QColor(0, 0, 0, 70)


class SortGridView(ThumbGridView):
    page_changed = Signal()     # the page (the fully visible rows) moved or changed size

    def __init__(self, parent=None, thumb_px: int = 160):
        super().__init__(parent, thumb_px)
        self.page_mode = False
        self._last_page = range(0)
        self.verticalScrollBar().valueChanged.connect(self._check_page)

    def set_page_mode(self, on: bool) -> None:
        self.page_mode = on
        self.viewport().update()
        self._check_page()

    # -- the page ----------------------------------------------------------------------------------
    def fully_visible_rows(self) -> range:
        """The model rows whose cells are wholly inside the viewport, as whole lines of the grid."""
        model = self.model()
        n = model.rowCount() if model is not None else 0
        if n == 0:
            return range(0)
        cols, cell_h = self.columns(), self.gridSize().height()
        top0 = self.visualRect(model.index(0, 0)).top()     # negative once scrolled
        first_line = max(0, -(top0 // cell_h))             # the first whose top is on screen
        last_line = (self.viewport().height() - top0) // cell_h - 1   # its bottom fits
        start, stop = first_line * cols, min(n, (last_line + 1) * cols)
        return range(start, stop) if stop > start else range(0)

    def show_line_of(self, row: int) -> None:
        """Scroll so the grid line holding ``row`` is the top line (as far as the scroll goes)."""
        if 0 <= row < self.model().rowCount():
            self.scrollTo(self.model().index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)

    def page_rect(self, rows: range) -> QRect:
        if not rows:
            return QRect()
        first = self.visualRect(self.model().index(rows.start, 0))
        last = self.visualRect(self.model().index(rows.stop - 1, 0))
        lines = (last.top() - first.top()) // self.gridSize().height() + 1
        width = (self.columns() if lines > 1 else rows.stop - rows.start) * self.gridSize().width()
        return QRect(first.left(), first.top(), width, lines * self.gridSize().height())

    def _check_page(self) -> None:
        page = self.fully_visible_rows()
        if page != self._last_page:
            self._last_page = page
            self.page_changed.emit()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._check_page()

    def _apply_grid(self) -> None:
        super()._apply_grid()
        if hasattr(self, "_last_page"):
            self._check_page()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self.page_mode:
            return
        rect = self.page_rect(self.fully_visible_rows())
        painter = QPainter(self.viewport())
        outside = self.viewport().rect()
        if rect.isValid():
            painter.fillRect(QRect(0, 0, outside.width(), max(0, rect.top())), DIM)
            painter.fillRect(QRect(0, rect.bottom() + 1, outside.width(),
                                   max(0, outside.height() - rect.bottom() - 1)), DIM)
            painter.setPen(QPen(OUTLINE, 3))
            painter.drawRect(rect.adjusted(1, 1, -2, -2))
        else:
            painter.fillRect(outside, DIM)
        painter.end()
