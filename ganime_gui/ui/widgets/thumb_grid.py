"""A virtualized thumbnail grid: one list model, one delegate, one view; no widget per image.

``ThumbLoader`` makes and reads thumbnails on a ``workers.TaskPool`` (newest request first, so the
images on screen come before the ones scrolled past) and keeps the decoded ones in a bounded LRU cache.
``ThumbModel`` holds the queue's rows and their labels; ``ThumbDelegate`` paints an image (or a
placeholder while it loads), the label badge and the page-mode mark; ``ThumbGridView`` adds
h/j/k/l, Ctrl+wheel and +/- zoom, and pages.
"""
from __future__ import annotations

import collections
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from PySide6.QtCore import (QAbstractListModel, QEvent, QModelIndex, QObject, QPoint, QRect,
                            QSize, Qt, Signal)
from PySide6.QtGui import QColor, QFont, QImage, QKeyEvent, QPainter, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate

from ganime_gui.core.catalog.sorting import QueueRow
from ganime_gui.core.thumbs import bucket_for, make_thumbnail, thumb_path
from ganime_gui.workers import TaskPool

MIN_THUMB_PX, MAX_THUMB_PX, ZOOM_STEP = 64, 512, 32
CACHE_BYTES = 128 * 1024 * 1024   # decoded thumbnails kept in memory (~600 at 256 px)
# Requests beyond this many waiting are dropped oldest first: they were scrolled past.
MAX_PENDING = 600


@dataclass(frozen=True)
class ThumbKey:
    md5: str
    bucket: int


class ThumbLoader(QObject):
    """Thumbnails made and read on a ``TaskPool`` (newest request first), decoded ones kept in a
    bounded LRU cache. ``loaded``/``failed`` tell the model which key to repaint."""

    loaded = Signal(object)     # ThumbKey; the image is then in the cache
    failed = Signal(object)     # ThumbKey

    def __init__(self, thumbs_dir: Path | None = None, threads: int | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.thumbs_dir = thumbs_dir
        self.pool = TaskPool(threads, newest_first=True, max_pending=MAX_PENDING, name="thumbs")
        self._cache: collections.OrderedDict[ThumbKey, QImage] = collections.OrderedDict()
        self._cache_bytes = 0
        self.failures: set[ThumbKey] = set()

    def image(self, key: ThumbKey) -> QImage | None:
        img = self._cache.get(key)
        if img is not None:
            self._cache.move_to_end(key)
        return img

    def request(self, key: ThumbKey, source: Path) -> None:
        """Queue a thumbnail; the newest request is served first. No-op when cached."""
        if key in self._cache or key in self.failures or self.thumbs_dir is None:
            return
        self.pool.submit(read_thumbnail, self.thumbs_dir, source, key, key=key, receiver=self,
                         on_result=lambda img, k=key: self._on_loaded(k, img),
                         on_error=lambda _exc, k=key: self._on_failed(k))

    def reset(self, thumbs_dir: Path | None) -> None:
        """Another project: forget everything queued and cached (and results still on their way)."""
        self.pool.discard_pending()
        self.thumbs_dir = thumbs_dir
        self._cache.clear()
        self._cache_bytes = 0
        self.failures.clear()

    def pending(self) -> int:
        return self.pool.pending()

    def wait_idle(self, timeout_ms: int = 30_000) -> bool:
        return self.pool.wait_idle(timeout_ms)

    def _on_failed(self, key: ThumbKey) -> None:
        # An unreadable image shows as broken, not as a crash.
        self.failures.add(key)
        self.failed.emit(key)

    def _on_loaded(self, key: ThumbKey, img: QImage) -> None:
        self._cache[key] = img
        self._cache_bytes += img.sizeInBytes()
        while self._cache_bytes > CACHE_BYTES and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._cache_bytes -= old.sizeInBytes()
        self.loaded.emit(key)


def read_thumbnail(thumbs_dir: Path, source: Path, key: ThumbKey) -> QImage:
    """The thumbnail as a QImage: read from the cache, else made (and cached) with Pillow."""
    cached = thumb_path(thumbs_dir, key.md5, key.bucket)
    if cached.is_file():
        img = QImage(str(cached))
        if not img.isNull():
            return img
    pil = make_thumbnail(thumbs_dir, source, key.md5, key.bucket)
    data = pil.tobytes()
    return QImage(data, pil.width, pil.height, 3 * pil.width, QImage.Format.Format_RGB888).copy()


class ThumbModel(QAbstractListModel):
    FileIdRole = Qt.ItemDataRole.UserRole + 1
    LabelRole = Qt.ItemDataRole.UserRole + 2
    ImageRole = Qt.ItemDataRole.UserRole + 3
    MarkedRole = Qt.ItemDataRole.UserRole + 4
    GroupRole = Qt.ItemDataRole.UserRole + 5
    FailedRole = Qt.ItemDataRole.UserRole + 6

    def __init__(self, loader: ThumbLoader, resolve: Callable[[str], Path], parent=None):
        super().__init__(parent)
        self.loader = loader
        self.resolve = resolve        # catalog path -> absolute path
        self.rows: list[QueueRow] = []
        self.labels: list[str | None] = []
        self.groups: list[int] | None = None
        self.marked: set[int] = set()
        self.colors: dict[str, str] = {}
        self.classes: tuple[str, ...] = ()
        self.bucket = 128
        self._row_of_id: dict[int, int] = {}
        self._rows_of_md5: dict[str, list[int]] = {}
        loader.loaded.connect(self._on_loaded)
        loader.failed.connect(self._on_loaded)

    def set_rows(self, rows: list[QueueRow], classes: tuple[str, ...], colors: dict[str, str],
                 groups: list[int] | None = None) -> None:
        self.beginResetModel()
        self.rows = rows
        self.labels = [r.label for r in rows]
        self.groups = groups
        self.classes, self.colors = classes, colors
        self.marked = set()
        self._row_of_id = {r.id: i for i, r in enumerate(rows)}
        self._rows_of_md5 = {}
        for i, r in enumerate(rows):
            self._rows_of_md5.setdefault(r.md5, []).append(i)
        self.endResetModel()

    def set_bucket(self, bucket: int) -> None:
        if bucket != self.bucket:
            self.bucket = bucket
            if self.rows:
                self.dataChanged.emit(self.index(0), self.index(len(self.rows) - 1), [self.ImageRole])

    def row_of(self, file_id: int) -> int | None:
        return self._row_of_id.get(file_id)

    def set_labels(self, labels: dict[int, str | None]) -> None:
        """Show new labels (the catalog already has them)."""
        for file_id, label in labels.items():
            row = self._row_of_id.get(file_id)
            if row is not None:
                self.labels[row] = label
                self._changed(row, self.LabelRole)

    def set_marked(self, file_ids: set[int], marked: bool) -> None:
        for file_id in file_ids:
            (self.marked.add if marked else self.marked.discard)(file_id)
            row = self._row_of_id.get(file_id)
            if row is not None:
                self._changed(row, self.MarkedRole)

    def clear_marks(self) -> None:
        self.set_marked(set(self.marked), False)

    def _changed(self, row: int, role: int) -> None:
        index = self.index(row)
        self.dataChanged.emit(index, index, [role])

    def _on_loaded(self, key: ThumbKey) -> None:
        if key.bucket != self.bucket:
            return
        for row in self._rows_of_md5.get(key.md5, ()):
            self._changed(row, self.ImageRole)

    # -- QAbstractListModel ------------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.row() >= len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == self.ImageRole:
            key = ThumbKey(row.md5, self.bucket)
            img = self.loader.image(key)
            if img is None:
                self.loader.request(key, self.resolve(row.path))
            return img
        if role == self.LabelRole:
            return self.labels[index.row()]
        if role == self.FileIdRole:
            return row.id
        if role == self.MarkedRole:
            return row.id in self.marked
        if role == self.GroupRole:
            return None if self.groups is None else self.groups[index.row()]
        if role == self.FailedRole:
            return ThumbKey(row.md5, self.bucket) in self.loader.failures
        if role == Qt.ItemDataRole.ToolTipRole:
            size = f"{row.width}×{row.height}, " if row.width else ""
            tip = f"{Path(row.path).name}\n{size}{row.size / 1024:.0f} KB"
            if row.predicted is not None:
                tip += f"\nmodel: {row.predicted} ({row.confidence:.2f})"
            return tip
        return None


class ThumbDelegate(QStyledItemDelegate):
    """Paints one cell: the image fitted in, a placeholder while it loads, the badge, the marks."""

    PADDING = 6
    GROUP_COLORS = ("#7f8c8d", "#2c3e50")
    CELL_COLOR = QColor("#e4e4e8")
    MAX_PIXMAPS = 400   # scaled thumbnails kept for repaints: several screens' worth
    FRAME_COLOR = QColor("#b8b8c0")

    def __init__(self, view: "ThumbGridView"):
        super().__init__(view)
        self.view = view
        self.on_painted: Callable[[int, bool], None] | None = None   # (row, had image): benchmark hook
        self._pixmaps: collections.OrderedDict[tuple, QPixmap] = collections.OrderedDict()
        self._badge_font = QFont()
        self._badge_font.setPointSizeF(8.5)
        self._badge_font.setBold(True)

    def sizeHint(self, option, index) -> QSize:
        side = self.view.thumb_px + 2 * self.PADDING
        return QSize(side, side)

    def paint(self, painter: QPainter, option, index) -> None:
        model: ThumbModel = index.model()
        rect = option.rect.adjusted(self.PADDING, self.PADDING, -self.PADDING, -self.PADDING)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        current = index == self.view.currentIndex()
        painter.save()
        group = model.data(index, ThumbModel.GroupRole)
        if group is not None:  # alternate shades so neighbouring duplicate groups read apart
            painter.fillRect(option.rect, QColor(self.GROUP_COLORS[group % 2]).lighter(260))
        # A cell of its own, so white pictures on a white view still read as separate images.
        painter.fillRect(rect, self.CELL_COLOR)
        img = model.data(index, ThumbModel.ImageRole)
        if img is not None:
            pixmap = self._scaled(model.rows[index.row()].md5, img, rect.size())
            target = QRect(0, 0, pixmap.width(), pixmap.height())
            target.moveCenter(rect.center())
            painter.drawPixmap(target.topLeft(), pixmap)
            painter.setPen(self.FRAME_COLOR)
            painter.drawRect(target.adjusted(0, 0, -1, -1))
        else:
            painter.setPen(QColor("#888888"))
            failed = model.data(index, ThumbModel.FailedRole)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, "unreadable" if failed else "…")
        self._paint_badge(painter, rect, model, index)
        if model.data(index, ThumbModel.MarkedRole):
            pen = QPen(QColor("#e6194b"), 4)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)  # the badge left its colour in the brush
            painter.drawRect(rect.adjusted(2, 2, -2, -2))
            painter.drawLine(rect.topRight() + QPoint(-18, 4), rect.topRight() + QPoint(-4, 18))
            painter.drawLine(rect.topRight() + QPoint(-4, 4), rect.topRight() + QPoint(-18, 18))
        if selected or current:
            pen = QPen(option.palette.highlight().color(), 3 if current else 2)
            if current and not selected:
                pen.setStyle(Qt.PenStyle.DashLine)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(option.rect.adjusted(2, 2, -2, -2))
        painter.restore()
        if self.on_painted is not None:
            self.on_painted(index.row(), img is not None)

    def _scaled(self, md5: str, img: QImage, box: QSize) -> QPixmap:
        """The image scaled to the cell once, as a pixmap: a repaint then only copies pixels
        (a smooth scale per paint cost most of a keypress's time)."""
        key = (md5, box.width(), box.height(), img.cacheKey())
        pixmap = self._pixmaps.get(key)
        if pixmap is None:
            pixmap = QPixmap.fromImage(img.scaled(box, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.SmoothTransformation))
            self._pixmaps[key] = pixmap
            if len(self._pixmaps) > self.MAX_PIXMAPS:
                self._pixmaps.popitem(last=False)
        else:
            self._pixmaps.move_to_end(key)
        return pixmap

    def _paint_badge(self, painter: QPainter, rect: QRect, model: ThumbModel, index) -> None:
        label = model.data(index, ThumbModel.LabelRole)
        if label is None:
            return
        key = f"{model.classes.index(label) + 1} " if label in model.classes else ""
        text = f"{key}{label}"
        painter.setFont(self._badge_font)
        metrics = painter.fontMetrics()
        width = min(metrics.horizontalAdvance(text) + 10, rect.width())
        badge = QRect(rect.left(), rect.bottom() - metrics.height() - 3, width, metrics.height() + 4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(model.colors.get(label, "#555555")))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.drawRoundedRect(badge, 4, 4)
        painter.setPen(QColor("white"))
        painter.drawText(badge.adjusted(5, 0, -3, 0), Qt.AlignmentFlag.AlignVCenter,
                         metrics.elidedText(text, Qt.TextElideMode.ElideRight, badge.width() - 8))


class ThumbGridView(QListView):
    """The grid. ``key_handler`` sees every key first (the Sort tab's label keys)."""

    zoom_changed = Signal(int)
    VIM_KEYS = {Qt.Key.Key_H: Qt.Key.Key_Left, Qt.Key.Key_J: Qt.Key.Key_Down,
                Qt.Key.Key_K: Qt.Key.Key_Up, Qt.Key.Key_L: Qt.Key.Key_Right}

    def __init__(self, parent=None, thumb_px: int = 160):
        super().__init__(parent)
        self.thumb_px = thumb_px
        self.key_handler: Callable[[QKeyEvent], bool] | None = None
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setMouseTracking(False)
        self.delegate = ThumbDelegate(self)
        self.setItemDelegate(self.delegate)
        self._apply_grid()

    # -- zoom --------------------------------------------------------------------------------------
    def set_thumb_px(self, px: int) -> None:
        px = max(MIN_THUMB_PX, min(MAX_THUMB_PX, px))
        if px == self.thumb_px:
            return
        self.thumb_px = px
        self._apply_grid()
        model = self.model()
        if isinstance(model, ThumbModel):
            model.set_bucket(bucket_for(px))
        self.zoom_changed.emit(px)
        if self.currentIndex().isValid():
            self.scrollTo(self.currentIndex())

    def _apply_grid(self) -> None:
        side = self.thumb_px + 2 * ThumbDelegate.PADDING
        self.setGridSize(QSize(side, side))
        self.setIconSize(QSize(self.thumb_px, self.thumb_px))

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.set_thumb_px(self.thumb_px + (ZOOM_STEP if event.angleDelta().y() > 0 else -ZOOM_STEP))
            event.accept()
            return
        super().wheelEvent(event)

    # -- geometry: pages ---------------------------------------------------------------------------
    def columns(self) -> int:
        return max(1, self.viewport().width() // self.gridSize().width())

    def page_size(self) -> int:
        """Cells fully visible at once: what page mode labels with one key."""
        rows = max(1, self.viewport().height() // self.gridSize().height())
        return self.columns() * rows

    def show_row_at_top(self, row: int) -> None:
        index = self.model().index(row, 0)
        self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtTop)

    # -- keys --------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.key_handler is not None and self.key_handler(event):
            event.accept()
            return
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if event.key() in self.VIM_KEYS and mods in (Qt.KeyboardModifier.NoModifier,
                                                     Qt.KeyboardModifier.ShiftModifier):
            # As the arrow it stands for, so Shift extends the selection from its anchor.
            arrow = QKeyEvent(QEvent.Type.KeyPress, self.VIM_KEYS[event.key()], mods)
            super().keyPressEvent(arrow)
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.set_thumb_px(self.thumb_px + ZOOM_STEP)
            return
        if event.key() == Qt.Key.Key_Minus:
            self.set_thumb_px(self.thumb_px - ZOOM_STEP)
            return
        super().keyPressEvent(event)


__all__ = ["ThumbDelegate", "ThumbGridView", "ThumbKey", "ThumbLoader", "ThumbModel"]
