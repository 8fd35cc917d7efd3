"""Split into folders: a threshold chosen while seeing the scored images nearest to it, then the
copy (or hard links) into ``<folder>/<class>/`` run as a job."""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QLabel, QPushButton, QSlider,
                               QVBoxLayout, QWidget)

from ganime_gui.core.classify.apply import assign_classes, near_threshold, split_into_folders
from ganime_gui.core.classify.workflow import Scores
from ganime_gui.ui.widgets.image_grid import GridItem, ImageGrid

NO_SCORES = "Apply a model to see how a threshold splits the images."
NEAR_COUNT = 30


class SplitView(QWidget):
    def __init__(self, context, parent=None):
        super().__init__(parent)
        self.context = context
        self.scores: Scores | None = None
        self.default_folder: Path | None = None  # <project>/exports/<model name>
        self.positive_combo = QComboBox()
        self.positive_combo.currentIndexChanged.connect(self._on_threshold_changed)
        self.threshold_slider = QSlider(Qt.Orientation.Horizontal)
        self.threshold_slider.setRange(1, 99)
        self.threshold_slider.setValue(50)
        self.threshold_slider.valueChanged.connect(self._on_threshold_changed)
        self.threshold_label = QLabel("0.50")
        self.link_check = QCheckBox("Hard links")
        self.split_button = QPushButton("Split into folders…")
        self.split_button.setToolTip("Copy (or hard-link) each image into <folder>/<class>/; "
                                     "nothing is deleted")
        self.split_button.clicked.connect(self._ask_split)
        row = QHBoxLayout()
        for w, stretch in ((QLabel("Class"), 0), (self.positive_combo, 0), (QLabel("threshold"), 0),
                           (self.threshold_slider, 1), (self.threshold_label, 0), (self.link_check, 0),
                           (self.split_button, 0)):
            row.addWidget(w, stretch)
        self.summary = QLabel(NO_SCORES)
        self.summary.setWordWrap(True)
        self.near_grid = ImageGrid(context.jobs)
        col = QVBoxLayout(self)
        col.addLayout(row)
        col.addWidget(self.summary)
        col.addWidget(QLabel("Images nearest the threshold:"))
        col.addWidget(self.near_grid, 1)
        self._near_timer = QTimer(self)
        self._near_timer.setSingleShot(True)
        self._near_timer.setInterval(150)
        self._near_timer.timeout.connect(self._show_near_threshold)
        self.set_scores(None)

    def set_classes(self, classes: list[str]) -> None:
        self.positive_combo.blockSignals(True)
        self.positive_combo.clear()
        self.positive_combo.addItems(classes)
        self.positive_combo.blockSignals(False)

    def set_scores(self, scores: Scores | None) -> None:
        self.scores = scores if scores is not None and len(scores) else None
        self.split_button.setEnabled(self.scores is not None)
        self._on_threshold_changed()

    def threshold(self) -> float:
        return self.threshold_slider.value() / 100.0

    def _positive(self) -> str | None:
        positive = self.positive_combo.currentText() or None
        return positive if self.scores is not None and positive in self.scores.class_names else None

    def _on_threshold_changed(self, *_args) -> None:
        self.threshold_label.setText(f"{self.threshold():.2f}")
        self._near_timer.start()

    def _show_near_threshold(self) -> None:
        s = self.scores
        if s is None:
            self.summary.setText(NO_SCORES)
            self.near_grid.set_items([])
            return
        folders = assign_classes(s.probabilities, s.class_names, self.threshold(), self._positive())
        counts = {c: folders.count(c) for c in dict.fromkeys(folders)}
        self.summary.setText(f"{len(s)} scored images → "
                             + ", ".join(f"{c}/: {n}" for c, n in counts.items()))
        near = near_threshold(s.paths, s.probabilities, s.class_names, self.threshold(), self._positive(),
                              count=NEAR_COUNT)
        label = self._positive() or s.class_names[0]
        self.near_grid.set_items([GridItem(p, f"{label} {v:.2f}") for p, v in near])

    def _ask_split(self) -> None:
        if self.scores is None or self.default_folder is None:
            return
        start = self.default_folder
        folder = QFileDialog.getExistingDirectory(self, "Split into folders under…", str(start.parent))
        if folder:
            self.split_to(start if Path(folder) == start.parent else Path(folder))

    def split_to(self, folder: str | os.PathLike):
        """Copy (or link) the scored images into ``folder/<class>/`` in a worker; returns the worker."""
        s, positive, threshold = self.scores, self._positive(), self.threshold()
        link = self.link_check.isChecked()

        def job(progress, cancelled):
            return split_into_folders(s.paths, s.probabilities, s.class_names, folder, threshold=threshold,
                                      positive_class=positive, link=link, progress=progress,
                                      cancelled=cancelled)

        def done(counts):
            placed = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            self.summary.setText(f"Split into {folder}: {placed}")
            self.context.status(f"Split {sum(counts.values())} images into {folder}", 5000)

        return self.context.jobs.start(job, "Split into folders", on_finished=done,
                                       on_failed=lambda m: self.context.error("Split stopped", m))
