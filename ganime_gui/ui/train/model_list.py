"""The project's models (``ModelList``: load, rename, delete, asked for in words) and the box that
applies the loaded one to the images (``ApplyBox``)."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QGroupBox, QHBoxLayout, QInputDialog, QLabel, QListWidget,
                               QListWidgetItem, QMessageBox, QProgressBar, QPushButton, QVBoxLayout)

from ganime_gui.core.classify.models import ModelInfo


class ModelList(QGroupBox):
    load_requested = Signal(str)  # model name
    rename_requested = Signal(str, str)  # old, new (the user typed it)
    delete_requested = Signal(str)  # the user confirmed

    def __init__(self, parent=None):
        super().__init__("Models", parent)
        col = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.setMinimumHeight(90)
        self.list.itemDoubleClicked.connect(lambda _item: self._load())
        self.load_button = QPushButton("Load")
        self.load_button.clicked.connect(self._load)
        self.rename_button = QPushButton("Rename…")
        self.rename_button.clicked.connect(self._rename)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self._delete)
        row = QHBoxLayout()
        for b in (self.load_button, self.rename_button, self.delete_button):
            row.addWidget(b)
        col.addWidget(self.list)
        col.addLayout(row)

    def set_models(self, infos: list[ModelInfo], select: str | None = None) -> None:
        self.list.clear()
        for info in infos:
            item = QListWidgetItem(info.summary())
            item.setData(Qt.ItemDataRole.UserRole, info.name)
            self.list.addItem(item)
            if info.name == select:
                self.list.setCurrentItem(item)

    def selected(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def set_enabled(self, busy: bool, applying: bool) -> None:
        selected = self.selected() is not None
        self.load_button.setEnabled(selected and not busy)
        self.rename_button.setEnabled(selected and not busy and not applying)
        self.delete_button.setEnabled(selected and not busy and not applying)

    def _load(self) -> None:
        if self.selected():
            self.load_requested.emit(self.selected())

    def _rename(self) -> None:
        name = self.selected()
        if not name:
            return
        new, ok = QInputDialog.getText(self, "Rename model", "New name:", text=name)
        if ok and new and new != name:
            self.rename_requested.emit(name, new)

    def _delete(self) -> None:
        name = self.selected()
        if not name:
            return
        answer = QMessageBox.question(self, "Delete model", f"Delete the model “{name}” and its predictions? "
                                      "Labels are not touched.")
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_requested.emit(name)


class ApplyBox(QGroupBox):
    apply_requested = Signal(bool)  # unlabelled only

    def __init__(self, parent=None):
        super().__init__("Apply the loaded model", parent)
        col = QVBoxLayout(self)
        self.scope = QComboBox()
        self.scope.addItem("All images", False)
        self.scope.addItem("Unlabelled images", True)
        self.button = QPushButton("Apply")
        self.button.setToolTip("Score the images and store the scores: the Sort tab then offers "
                               "'most uncertain first' and 'probably mislabelled'")
        self.button.clicked.connect(lambda: self.apply_requested.emit(bool(self.scope.currentData())))
        row = QHBoxLayout()
        row.addWidget(self.scope, 1)
        row.addWidget(self.button)
        self.progress = QProgressBar()
        self.label = QLabel("")
        self.label.setWordWrap(True)
        col.addLayout(row)
        col.addWidget(self.progress)
        col.addWidget(self.label)

    def show_progress(self, done: int, total: int, message: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        if message:
            self.label.setText(message)
