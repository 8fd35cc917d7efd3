"""A small live line plot (pyqtgraph): named series that grow point by point or are set at once."""
from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

pg.setConfigOptions(antialias=True)


class LivePlot(QWidget):
    """``add_series(name, color)``, then ``append(name, x, y)`` as values arrive.

    Points are kept in Python lists and the curve redrawn from them: cheap at the few thousand
    points a training run produces.
    """

    def __init__(self, title: str = "", x_label: str = "", y_label: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setTitle(title, color="#333", size="10pt")
        self.plot.setLabel("bottom", x_label)
        self.plot.setLabel("left", y_label)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.legend = self.plot.addLegend(offset=(-10, 10))
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._data: dict[str, tuple[list[float], list[float]]] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)

    def add_series(self, name: str, color: str, symbol: str | None = None) -> None:
        pen = pg.mkPen(color, width=1.6)
        self._curves[name] = self.plot.plot([], [], pen=pen, name=name, symbol=symbol,
                                            symbolSize=6, symbolBrush=color, symbolPen=None)
        self._data[name] = ([], [])

    def append(self, name: str, x: float, y: float) -> None:
        xs, ys = self._data[name]
        xs.append(float(x))
        ys.append(float(y))
        self._curves[name].setData(xs, ys)

    def set_data(self, name: str, xs, ys) -> None:
        self._data[name] = (list(map(float, xs)), list(map(float, ys)))
        self._curves[name].setData(*self._data[name])

    def series(self, name: str) -> tuple[list[float], list[float]]:
        return self._data[name]

    def clear(self) -> None:
        for name in self._curves:
            self.set_data(name, [], [])
