"""A small live line plot (pyqtgraph): named series that grow point by point or are set at once."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QVBoxLayout, QWidget

REDRAW_MS = 250  # appended points are drawn at most this often: a redraw costs ~10 ms on 2 cores


class LivePlot(QWidget):
    """``add_series(name, color)``, then ``append(name, x, y)`` as values arrive.

    Points are kept in Python lists and the curves redrawn from them at most every
    ``REDRAW_MS``. Curves are not antialiased: on a software-rendered 2-core machine an
    antialiased redraw of a few hundred noisy points took ~400 ms against ~11 ms plain, long
    enough to freeze the window while training; grid lines cost another ~5 ms a redraw (plain,
    no grid: ~0.5 ms), so there are none.
    """

    def __init__(self, title: str = "", x_label: str = "", y_label: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setTitle(title, color="#333", size="10pt")
        self.plot.setLabel("bottom", x_label)
        self.plot.setLabel("left", y_label)
        self.legend = self.plot.addLegend(offset=(-10, 10), labelTextColor="#333",
                                          brush=pg.mkBrush(255, 255, 255, 200))
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._data: dict[str, tuple[list[float], list[float]]] = {}
        self._dirty: set[str] = set()
        self._redraw_timer = QTimer(self)
        self._redraw_timer.setSingleShot(True)
        self._redraw_timer.setInterval(REDRAW_MS)
        self._redraw_timer.timeout.connect(self.redraw)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def add_series(self, name: str, color: str, symbol: str | None = None) -> None:
        pen = pg.mkPen(color, width=1.6)
        self._curves[name] = self.plot.plot([], [], pen=pen, name=name, symbol=symbol, antialias=False,
                                            symbolSize=6, symbolBrush=color, symbolPen=None)
        self._data[name] = ([], [])

    def append(self, name: str, x: float, y: float) -> None:
        xs, ys = self._data[name]
        xs.append(float(x))
        ys.append(float(y))
        self._dirty.add(name)
        if not self._redraw_timer.isActive():
            self._redraw_timer.start()

    def redraw(self) -> None:
        """Draw the points appended since the last redraw now."""
        for name in self._dirty:
            self._curves[name].setData(*self._data[name])
        self._dirty.clear()

    def set_data(self, name: str, xs, ys) -> None:
        self._data[name] = (list(map(float, xs)), list(map(float, ys)))
        self._dirty.discard(name)
        self._curves[name].setData(*self._data[name])

    def series(self, name: str) -> tuple[list[float], list[float]]:
        return self._data[name]

    def clear(self) -> None:
        for name in self._curves:
            self.set_data(name, [], [])
