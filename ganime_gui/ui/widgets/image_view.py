"""An image that scales to fit its space, keeping its aspect ratio and sharp pixels when enlarged."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget


class ImageView(QWidget):
    def __init__(self, placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self._pixmap = QPixmap()
        self.path: Path | None = None
        self.placeholder = placeholder
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 160)

    def set_path(self, path: str | Path | None) -> bool:
        """Show the image file (re-read even if the path is the same). False if it can't be read."""
        pixmap = QPixmap(str(path)) if path else QPixmap()
        if path and pixmap.isNull():
            return False
        self._pixmap = pixmap
        self.path = Path(path) if path else None
        self.update()
        return True

    def pixmap(self) -> QPixmap:
        return self._pixmap

    def sizeHint(self) -> QSize:
        return QSize(512, 512)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        if self._pixmap.isNull():
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.placeholder)
            return
        scaled = self._pixmap.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        x = (self.width() - scaled.width()) // 2
        y = (self.height() - scaled.height()) // 2
        # Nearest-neighbour when enlarging: GAN samples are small and blur hides their detail.
        smooth = scaled.width() < self._pixmap.width()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        painter.drawPixmap(x, y, scaled.width(), scaled.height(), self._pixmap)
