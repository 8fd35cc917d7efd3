"""A small grid of captioned thumbnails (review lists: wrong / least sure images, images near a threshold).

Thumbnails are decoded off the UI thread through the worker layer; the grid shows captions at
once and fills in pictures as they arrive. Meant for tens of images, not a whole catalog (that is
the Sort tab's ``ThumbGridView``).

Every icon is a square of ``thumb_px`` (the picture centred on it). The view sizes an item by
its icon's actual size and, when an item's data changes, repaints only the item's new rectangle:
a placeholder replaced by a narrower thumbnail made the item shorter, and its caption, painted
lower before, stayed on screen as a fragment (and a stale grey block) until a scroll repainted
everything. Same-size icons keep every item's rectangle fixed.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem

PATH_ROLE = Qt.ItemDataRole.UserRole


@dataclass
class GridItem:
    path: str
    caption: str
    tooltip: str = ""
    color: str | None = None  # caption colour (e.g. red for a wrong prediction)


def _thumbnail_job(paths: list[str], px: int):
    def job(progress, cancelled):
        from ganime_gui.core.thumbs import open_scaled

        out = []
        for i, path in enumerate(paths):
            if cancelled():
                break
            try:
                img = open_scaled(path, px)
                out.append((path, img.width, img.height, img.tobytes()))
            except (OSError, ValueError):
                out.append((path, 0, 0, b""))
        return out
    return job


class ImageGrid(QListWidget):
    """``set_items(list[GridItem])``. Keys on the selection come from the tab's QActions (ui/keys.py)."""

    def __init__(self, jobs=None, thumb_px: int = 96, parent=None):
        super().__init__(parent)
        self.jobs = jobs  # a JobRunner; None decodes on the UI thread (tests, tiny lists)
        self.thumb_px = thumb_px
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(QSize(thumb_px, thumb_px))
        self.setGridSize(QSize(thumb_px + 48, thumb_px + 40))
        self.setWordWrap(True)
        self.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self._generation = 0

    def set_items(self, items: list[GridItem]) -> None:
        self._generation += 1
        self.clear()
        self.scrollToTop()
        placeholder = QPixmap(self.thumb_px, self.thumb_px)
        placeholder.fill(QColor("#e4e4e4"))
        for it in items:
            item = QListWidgetItem(QIcon(placeholder), it.caption)
            item.setData(PATH_ROLE, it.path)
            item.setToolTip(it.tooltip or it.path)
            if it.color:
                item.setForeground(QColor(it.color))
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            self.addItem(item)
        paths = [it.path for it in items]
        if not paths:
            return
        generation = self._generation
        job = _thumbnail_job(paths, self.thumb_px)
        if self.jobs is None:
            self._show_thumbnails(generation, job(lambda *a, **k: None, lambda: False))
        else:
            self.jobs.start(job, "Thumbnails",
                            on_finished=lambda r, g=generation: self._show_thumbnails(g, r))

    def paths(self) -> list[str]:
        return [self.item(i).data(PATH_ROLE) for i in range(self.count())]

    def selected_paths(self) -> list[str]:
        return [item.data(PATH_ROLE) for item in self.selectedItems()]

    def _show_thumbnails(self, generation: int, results) -> None:
        if generation != self._generation:
            return  # the list changed while decoding
        by_path = {}
        for path, w, h, data in results:
            if w and h:
                by_path[path] = self._square(QImage(data, w, h, 3 * w, QImage.Format.Format_RGB888))
        for i in range(self.count()):
            pixmap = by_path.get(self.item(i).data(PATH_ROLE))
            if pixmap is not None:
                self.item(i).setIcon(QIcon(pixmap))

    def _square(self, image: QImage) -> QPixmap:
        """``image`` centred on a transparent ``thumb_px`` square (see the module's note on repaints)."""
        px = self.thumb_px
        image = image.scaled(px, px, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
        canvas = QPixmap(px, px)
        canvas.fill(Qt.GlobalColor.transparent)
        painter = QPainter(canvas)
        painter.drawImage((px - image.width()) // 2, (px - image.height()) // 2, image)
        painter.end()
        return canvas

