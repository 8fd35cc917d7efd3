"""The full-size preview (Space in the Sort grid): the current image as large as the window
allows, next/previous inside it, and the grid's label keys."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QImageReader, QKeyEvent, QPainter, QColor
from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout, QWidget


def read_fitted(path: Path, box: QSize) -> QImage:
    """Decode at the size it is shown (JPEG decodes scaled, far faster than full size)."""
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and (size.width() > box.width() or size.height() > box.height()):
        reader.setScaledSize(size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio))
    return reader.read()


class _ImageCanvas(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.image = QImage()
        self.setMinimumSize(320, 240)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#202020"))
        if self.image.isNull():
            painter.setPen(QColor("#aaaaaa"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "This image cannot be read.")
            return
        size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        if size.width() > self.image.width():  # never blow a small image up beyond 2x
            size = self.image.size() * min(2.0, size.width() / self.image.width())
        x, y = (self.width() - size.width()) // 2, (self.height() - size.height()) // 2
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        painter.drawImage(x, y, self.image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                                  Qt.TransformationMode.SmoothTransformation))


class PreviewDialog(QDialog):
    """Shows what ``current()`` returns: (absolute path, caption) or None. Left/Right (h/l) call
    ``move(-1 / +1)``; Space or Escape closes. The Sort tab adds its label actions to the dialog
    (and calls :meth:`refresh` after each), so the label keys work here as in the grid."""

    def __init__(self, current: Callable[[], tuple[Path, str] | None], move: Callable[[int], None],
                 parent=None):
        super().__init__(parent)
        self.setWindowTitle("Preview")
        self._current, self._move = current, move
        self.canvas = _ImageCanvas(self)
        self.caption = QLabel(self)
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.caption)
        self.resize(900, 800)
        self.shown_path: Path | None = None

    def refresh(self) -> None:
        item = self._current()
        if item is None:
            self.close()
            return
        path, caption = item
        if path != self.shown_path:
            self.canvas.image = read_fitted(path, self.canvas.size() * self.devicePixelRatioF())
            self.shown_path = path
        self.caption.setText(caption)
        self.canvas.update()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.shown_path = None
        self.refresh()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Space, Qt.Key.Key_Escape):
            self.close()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_H, Qt.Key.Key_Up, Qt.Key.Key_K):
            self._move(-1)
            self.refresh()
        elif key in (Qt.Key.Key_Right, Qt.Key.Key_L, Qt.Key.Key_Down, Qt.Key.Key_J):
            self._move(1)
            self.refresh()
        else:
            super().keyPressEvent(event)


def open_preview(tab, preview: PreviewDialog | None, not_here: tuple[str, ...]) -> PreviewDialog:
    """Show the Sort tab's current image full size; the tab's actions (but ``not_here``) and its
    digit keys work in the preview too. Returns the dialog (made once, then reused)."""
    if preview is None:
        def item() -> tuple[Path, str] | None:
            row = tab.current_row()
            if row < 0:
                return None
            r, model = tab.model.rows[row], tab.model
            return tab.context.project.abspath(r.path), (
                f"{row + 1} / {model.rowCount()} · {Path(r.path).name} · {r.width}×{r.height} · "
                f"{model.labels[row] or 'unlabelled'}")

        preview = PreviewDialog(item, tab.move_by, tab)
        preview.addActions([a for name, a in tab.actions.items()
                            if name not in not_here and a.shortcuts()])
        tab.digits.watch(preview)
    preview.show()
    preview.raise_()
    preview.activateWindow()   # its keys are shortcuts: they follow the focus
    preview.refresh()
    return preview
