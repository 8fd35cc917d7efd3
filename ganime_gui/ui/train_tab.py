"""The Train tab: train a classifier on a label set, watch it learn, and clean the rest of the data with it.

All the work is ``ganime_gui.core.classify`` (``workflow`` for the project-level jobs): this widget
builds a ``TrainConfig`` from the form, starts jobs through the worker layer and shows what they
report: accuracy and loss per batch and per epoch, epoch/ETA, then the confusion matrix,
per-class accuracy and the validation images the model gets wrong or is least sure of (keys 1-9
relabel them, as in the Sort tab). Models in the project's ``models/`` can be loaded, renamed and
deleted; Apply stores predictions in the catalog (the Sort tab's "most uncertain" and "probably
mislabelled" queues use them); Split copies images into class folders from a threshold chosen
while seeing the images nearest to it.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QInputDialog, QLabel, QListWidget, QListWidgetItem, QMessageBox,
                               QProgressBar, QPushButton, QSizePolicy, QSlider, QSpinBox, QSplitter,
                               QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

from ganime_gui.core.classify import models as model_files
from ganime_gui.core.timefmt import format_duration
from ganime_gui.core.classify.apply import near_threshold, split_into_folders
from ganime_gui.core.classify.backbones import BACKBONES, WEIGHTS_IMAGENET
from ganime_gui.core.classify.train import TrainConfig
from ganime_gui.core.classify.workflow import (delete_project_model, make_project_apply_job,
                                               make_project_train_job, rename_project_model)
from ganime_gui.core.jobs import UserError
from ganime_gui.ui import settings as app_settings_mod
from ganime_gui.ui.context import AppContext
from ganime_gui.ui.widgets.image_grid import GridItem, ImageGrid
from ganime_gui.ui.widgets.live_plot import LivePlot
from ganime_gui.ui.widgets.side_panel import side_panel

log = logging.getLogger("ganime.ui.train")

WEIGHT_CHOICES = [("ImageNet (downloaded once)", WEIGHTS_IMAGENET), ("None: train from scratch", "none"),
                  ("Weights file…", "file")]
PLOT_REFRESH_MS = 250  # batch points are buffered and drawn at most this often
# No point symbols: pyqtgraph draws each in Python, which made every repaint several times slower
# while a worker thread was training (the UI thread waits for the GIL at each one).
SERIES = (("train (batch)", "#9ecae1", None), ("train", "#1f77b4", None), ("validation", "#d62728", None))


class TrainTab(QWidget):
    SHORTCUTS = [("1 … 9", "Train tab, review grid: relabel the selected images with that class")]

    def __init__(self, context: AppContext, parent=None):
        super().__init__(parent)
        self.context = context
        self.settings = app_settings_mod.app_settings()
        self.train_worker = None
        self.training_model_name = ""
        self.apply_worker = None
        self.current_model: model_files.ModelInfo | None = None
        self.scores: tuple[list[str], np.ndarray, list[str]] | None = None  # paths, probabilities, classes
        self._points: dict[str, dict[str, tuple[list[float], list[float]]]] = {}
        self._dirty = False
        self._pending_texts: tuple[int, int, str, str] | None = None
        self._build()
        self._plot_timer = QTimer(self)
        self._plot_timer.setInterval(PLOT_REFRESH_MS)
        self._plot_timer.timeout.connect(self._flush_plots)
        self._near_timer = QTimer(self)
        self._near_timer.setSingleShot(True)
        self._near_timer.setInterval(150)
        self._near_timer.timeout.connect(self._show_near_threshold)
        context.project_changed.connect(self._on_project_changed)
        context.labels_changed.connect(self._refresh_counts)
        self._on_project_changed(context.project)

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        scroll = side_panel(self._data_box(), self._model_box(), self._run_buttons(), self._models_box(),
                            self._apply_box(), min_width=340)
        for combo in scroll.widget().findChildren(QComboBox):
            # Long backbone names must not widen the column past the scroll area (clipped buttons).
            combo.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            combo.setMinimumWidth(120)

        self.acc_plot = LivePlot("Accuracy", "epoch", "accuracy")
        self.loss_plot = LivePlot("Loss", "epoch", "loss")
        for plot in (self.acc_plot, self.loss_plot):
            for name, color, symbol in SERIES:
                plot.add_series(name, color, symbol)
        self.acc_plot.plot.setYRange(0, 1.02)
        # Accuracy climbs to 1.0 under a top-right legend: put that one bottom right.
        self.acc_plot.legend.anchor(itemPos=(1, 1), parentPos=(1, 1), offset=(-10, -10))
        plots = QWidget()
        plots_layout = QHBoxLayout(plots)
        plots_layout.setContentsMargins(0, 0, 0, 0)
        plots_layout.addWidget(self.acc_plot)
        plots_layout.addWidget(self.loss_plot)

        self.results = QTabWidget()
        self.results.addTab(self._evaluation_page(), "Evaluation")
        self.results.addTab(self._split_page(), "Split into folders")

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(plots)
        right.addWidget(self.results)
        right.setStretchFactor(0, 2)
        right.setStretchFactor(1, 3)
        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(right, 1)

    def _data_box(self) -> QGroupBox:
        box = QGroupBox("Data")
        form = QFormLayout(box)
        self.label_set_combo = QComboBox()
        self.label_set_combo.currentTextChanged.connect(self._refresh_counts)
        self.counts_label = QLabel("Open a project and label images in the Sort tab.")
        self.counts_label.setWordWrap(True)
        form.addRow("Label set", self.label_set_combo)
        form.addRow(self.counts_label)
        return box

    def _model_box(self) -> QGroupBox:
        box = QGroupBox("Model")
        form = QFormLayout(box)
        self.backbone_combo = QComboBox()
        for spec in BACKBONES.values():
            self.backbone_combo.addItem(spec.label, spec.name)
        self.backbone_combo.currentIndexChanged.connect(self._on_backbone_changed)
        self.weights_combo = QComboBox()
        for text, value in WEIGHT_CHOICES:
            self.weights_combo.addItem(text, value)
        self.weights_combo.currentIndexChanged.connect(self._on_weights_changed)
        self.weights_file_button = QPushButton("Load weights file…")
        self.weights_file_button.setToolTip("A Keras .h5 / .weights.h5 file of this backbone without its top "
                                            "(for offline machines); remembered per backbone")
        self.weights_file_button.clicked.connect(self._choose_weights_file)
        self.weights_file_label = QLabel("")
        self.weights_file_label.setWordWrap(True)
        self.size_spin = QSpinBox()
        self.size_spin.setRange(32, 512)
        self.size_spin.setSingleStep(16)
        self.size_spin.setSuffix(" px")
        self.frozen_spin = QSpinBox()
        self.frozen_spin.setRange(-1, 1000)
        self.frozen_spin.setSpecialValueText("all")
        self.frozen_spin.setToolTip("Backbone layers kept frozen, counting its input layer (the seed froze 15 of VGG16)")
        self.epochs_spin = QSpinBox()
        self.epochs_spin.setRange(1, 500)
        self.epochs_spin.setValue(12)
        self.patience_spin = QSpinBox()
        self.patience_spin.setRange(0, 100)
        self.patience_spin.setSpecialValueText("off")
        self.patience_spin.setSuffix(" epochs")
        self.patience_spin.setToolTip("Early stopping: stop when validation has not improved for this many epochs")
        self.batch_spin = QSpinBox()
        self.batch_spin.setRange(1, 512)
        self.batch_spin.setValue(32)
        self.cache_check = QCheckBox("Frozen-feature cache")
        self.cache_check.setChecked(True)
        self.cache_check.setToolTip("Compute the frozen layers once per image and train only the rest "
                                    "(much faster; random flips need it off)")
        form.addRow("Backbone", self.backbone_combo)
        form.addRow("Weights", self.weights_combo)
        form.addRow(self.weights_file_button)
        form.addRow(self.weights_file_label)
        form.addRow("Input size", self.size_spin)
        form.addRow("Frozen layers", self.frozen_spin)
        form.addRow("Epochs", self.epochs_spin)
        form.addRow("Early stopping", self.patience_spin)
        form.addRow("Batch size", self.batch_spin)
        form.addRow(self.cache_check)
        self._on_backbone_changed()
        return box

    def _run_buttons(self) -> QVBoxLayout:
        col = QVBoxLayout()
        row = QHBoxLayout()
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.train_button.clicked.connect(self.start_training)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after this batch; the best epoch so far is saved")
        self.stop_button.clicked.connect(self.stop_training)
        row.addWidget(self.train_button)
        row.addWidget(self.stop_button)
        self.progress_bar = QProgressBar()
        self.progress_bar.setTextVisible(True)
        self.epoch_label = QLabel("Epoch –  ·  ETA –")
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        col.addLayout(row)
        col.addWidget(self.progress_bar)
        col.addWidget(self.epoch_label)
        col.addWidget(self.status_label)
        return col

    def _models_box(self) -> QGroupBox:
        box = QGroupBox("Models")
        col = QVBoxLayout(box)
        self.models_list = QListWidget()
        self.models_list.setMinimumHeight(90)
        self.models_list.itemDoubleClicked.connect(lambda _item: self.load_selected_model())
        self.models_list.currentItemChanged.connect(self._update_buttons)
        row = QHBoxLayout()
        self.load_button = QPushButton("Load")
        self.load_button.clicked.connect(self.load_selected_model)
        self.rename_button = QPushButton("Rename…")
        self.rename_button.clicked.connect(self._rename_selected_model)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self._delete_selected_model)
        for b in (self.load_button, self.rename_button, self.delete_button):
            row.addWidget(b)
        col.addWidget(self.models_list)
        col.addLayout(row)
        return box

    def _apply_box(self) -> QGroupBox:
        box = QGroupBox("Apply the loaded model")
        col = QVBoxLayout(box)
        row = QHBoxLayout()
        self.apply_scope = QComboBox()
        self.apply_scope.addItem("All images", False)
        self.apply_scope.addItem("Unlabelled images", True)
        self.apply_button = QPushButton("Apply")
        self.apply_button.setToolTip("Score the images and store the scores: the Sort tab then offers "
                                     "'most uncertain first' and 'probably mislabelled'")
        self.apply_button.clicked.connect(self.start_apply)
        row.addWidget(self.apply_scope, 1)
        row.addWidget(self.apply_button)
        self.apply_progress = QProgressBar()
        self.apply_label = QLabel("")
        self.apply_label.setWordWrap(True)
        col.addLayout(row)
        col.addWidget(self.apply_progress)
        col.addWidget(self.apply_label)
        return box

    def _evaluation_page(self) -> QWidget:
        page = QWidget()
        layout = QHBoxLayout(page)
        left = QVBoxLayout()
        self.model_title = QLabel("No model yet: train one, or load one from the list.")
        self.model_title.setWordWrap(True)
        self.model_title.setStyleSheet("font-weight: 600")
        self.confusion_table = QTableWidget(0, 0)
        self.confusion_table.setToolTip("Rows: the true class; columns: the predicted class")
        self.confusion_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.confusion_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.confusion_table.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)
        self.per_class_label = QLabel("")
        self.per_class_label.setWordWrap(True)
        left.addWidget(self.model_title)
        left.addWidget(QLabel("Confusion matrix (rows: true, columns: predicted)"))
        left.addWidget(self.confusion_table)
        left.addWidget(self.per_class_label)
        left.addStretch(1)
        right = QVBoxLayout()
        self.review_label = QLabel("Validation images it gets wrong (red) or is least sure of; "
                                   "select and press 1–9 to relabel.")
        self.review_label.setWordWrap(True)
        self.review_grid = ImageGrid(self.context.jobs)
        self.review_grid.digit_pressed.connect(self._relabel)
        right.addWidget(self.review_label)
        right.addWidget(self.review_grid, 1)
        layout.addLayout(left, 2)
        layout.addLayout(right, 3)
        return page

    def _split_page(self) -> QWidget:
        page = QWidget()
        col = QVBoxLayout(page)
        row = QHBoxLayout()
        self.positive_combo = QComboBox()
        self.positive_combo.currentIndexChanged.connect(self._on_threshold_changed)
        self.threshold_slider = QSlider(Qt.Orientation.Horizontal)
        self.threshold_slider.setRange(1, 99)
        self.threshold_slider.setValue(50)
        self.threshold_slider.valueChanged.connect(self._on_threshold_changed)
        self.threshold_label = QLabel("0.50")
        self.split_button = QPushButton("Split into folders…")
        self.split_button.setToolTip("Copy (or hard-link) each image into <folder>/<class>/; nothing is deleted")
        self.split_button.clicked.connect(self._ask_split)
        self.link_check = QCheckBox("Hard links")
        row.addWidget(QLabel("Class"))
        row.addWidget(self.positive_combo)
        row.addWidget(QLabel("threshold"))
        row.addWidget(self.threshold_slider, 1)
        row.addWidget(self.threshold_label)
        row.addWidget(self.link_check)
        row.addWidget(self.split_button)
        self.split_summary = QLabel("Apply a model to see how a threshold splits the images.")
        self.split_summary.setWordWrap(True)
        self.near_grid = ImageGrid(self.context.jobs)
        col.addLayout(row)
        col.addWidget(self.split_summary)
        col.addWidget(QLabel("Images nearest the threshold:"))
        col.addWidget(self.near_grid, 1)
        return page

    # -- project, label sets, form ---------------------------------------------------------------
    def _on_project_changed(self, project) -> None:
        self.label_set_combo.blockSignals(True)
        self.label_set_combo.clear()
        if self.context.catalog is not None:
            for ls in self.context.catalog.label_sets():
                if not ls.name.startswith("_"):
                    self.label_set_combo.addItem(ls.name)
        self.label_set_combo.blockSignals(False)
        self.current_model = None
        self.scores = None
        self._refresh_counts()
        self.refresh_models()
        self._update_buttons()

    def _refresh_counts(self, *_args) -> None:
        catalog, name = self.context.catalog, self.label_set_combo.currentText()
        if catalog is None or not name:
            self.counts_label.setText("Open a project and label images in the Sort tab.")
            return
        counts = catalog.label_counts(name)
        self.counts_label.setText("  ·  ".join(f"{c}: {n}" for c, n in counts.items()) or "no classes")

    def _on_backbone_changed(self, *_args) -> None:
        spec = BACKBONES[self.backbone_combo.currentData()]
        self.size_spin.setValue(spec.default_size)
        self.frozen_spin.setValue(-1 if spec.default_frozen is None else spec.default_frozen)
        imagenet_index = self.weights_combo.findData(WEIGHTS_IMAGENET)
        self.weights_combo.model().item(imagenet_index).setEnabled(spec.imagenet)
        if not spec.imagenet and self.weights_combo.currentData() == WEIGHTS_IMAGENET:
            self.weights_combo.setCurrentIndex(self.weights_combo.findData("none"))
        self._on_weights_changed()

    def _weights_file_key(self) -> str:
        return f"classifier/weightsFile/{self.backbone_combo.currentData()}"

    def _on_weights_changed(self, *_args) -> None:
        is_file = self.weights_combo.currentData() == "file"
        path = self.settings.value(self._weights_file_key(), "") if is_file else ""
        self.weights_file_label.setText(f"File: {path}" if path else ("No file chosen yet" if is_file else ""))
        self.weights_file_label.setVisible(is_file)

    def _choose_weights_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Weights file for " + self.backbone_combo.currentText(), "",
                                              "Keras weights (*.h5 *.weights.h5);;All files (*)")
        if path:
            self.set_weights_file(path)

    def set_weights_file(self, path: str) -> None:
        self.settings.setValue(self._weights_file_key(), path)
        self.weights_combo.setCurrentIndex(self.weights_combo.findData("file"))
        self._on_weights_changed()

    def set_form(self, *, label_set: str | None = None, backbone: str | None = None, weights: str | None = None,
                 size: int | None = None, batch: int | None = None, epochs: int | None = None) -> None:
        """Fill the form (scripts, tests, the demo); ``weights`` is 'imagenet', 'none' or 'file'."""
        if label_set is not None:
            self.label_set_combo.setCurrentText(label_set)
        if backbone is not None:
            self.backbone_combo.setCurrentIndex(self.backbone_combo.findData(backbone))
        if weights is not None:
            self.weights_combo.setCurrentIndex(self.weights_combo.findData(weights))
        for spin, value in ((self.size_spin, size), (self.batch_spin, batch), (self.epochs_spin, epochs)):
            if value is not None:
                spin.setValue(value)

    def config_from_form(self) -> TrainConfig:
        weights = self.weights_combo.currentData()
        if weights == "file":
            weights = self.settings.value(self._weights_file_key(), "")
            if not weights:
                raise UserError("Choose a weights file first (Load weights file…), or pick ImageNet / none.")
        return TrainConfig(backbone=self.backbone_combo.currentData(), weights=None if weights == "none" else weights,
                           input_size=self.size_spin.value(),
                           frozen_layers=None if self.frozen_spin.value() < 0 else self.frozen_spin.value(),
                           epochs=self.epochs_spin.value(), batch_size=self.batch_spin.value(),
                           early_stopping_patience=self.patience_spin.value(),
                           use_feature_cache=self.cache_check.isChecked())

    # -- training --------------------------------------------------------------------------------
    def is_training(self) -> bool:
        return self.train_worker is not None and self.train_worker.is_running()

    def start_training(self) -> None:
        project = self.context.project
        if project is None:
            self.context.error("No project", "Open or create a project first.")
            return
        try:
            config = self.config_from_form()
        except UserError as exc:
            self.context.error("Cannot train", str(exc))
            return
        self._reset_plots()
        self.status_label.setText("Starting…")
        label_set = self.label_set_combo.currentText()
        # Named here: a stopped run still saves its best epoch, but the worker layer reports a job
        # stopped by the user as cancelled (without its result), so the tab finds the model by name.
        self.training_model_name = model_files.default_model_name(label_set, config.backbone)
        job = make_project_train_job(project, label_set, config, model_name=self.training_model_name)
        self.train_worker = self.context.jobs.start(job, "Classifier training", on_progress=self._on_train_progress,
                                                    on_finished=self._on_train_finished,
                                                    on_failed=self._on_train_failed,
                                                    on_cancelled=self._on_train_cancelled)
        self.train_worker.ended.connect(self._on_job_ended)
        self._plot_timer.start()
        self._update_buttons()

    def stop_training(self) -> None:
        if self.train_worker is not None:
            self.status_label.setText("Stopping after this batch; saving the best epoch so far…")
            self.train_worker.cancel()

    def _reset_plots(self) -> None:
        self._points = {plot: {name: ([], []) for name, _, _ in SERIES} for plot in ("acc", "loss")}
        for plot in (self.acc_plot, self.loss_plot):
            plot.clear()
        self.epoch_label.setText("Epoch –  ·  ETA –")

    def _add_point(self, series: str, x: float, acc: float, loss: float) -> None:
        for plot, y in (("acc", acc), ("loss", loss)):
            xs, ys = self._points[plot][series]
            xs.append(x)
            ys.append(y)
        self._dirty = True

    def _flush_plots(self) -> None:
        if self._pending_texts is not None:
            done, total, message, epoch_text = self._pending_texts
            self._pending_texts = None
            self.status_label.setText(message)
            self.epoch_label.setText(epoch_text)
            self._show_progress(done, total)
        if not self._dirty:
            return
        self._dirty = False
        for plot, widget in (("acc", self.acc_plot), ("loss", self.loss_plot)):
            for name, (xs, ys) in self._points[plot].items():
                widget.set_data(name, xs, ys)

    def _on_train_progress(self, done: int, total: int, message: str, extra: dict) -> None:
        phase = extra.get("phase")
        if phase == "batch":
            # Batches can come 100 times a second: only store them here; the plot timer draws
            # the points and the texts (word-wrapped labels re-lay out the column when set).
            x = extra["epoch"] - 1 + extra["batch"] / extra["batches"]
            self._add_point("train (batch)", x, extra["batch_accuracy"], extra["batch_loss"])
            self._pending_texts = (done, total, message,
                                   f"Epoch {extra['epoch']}/{extra['epochs']}  ·  batch {extra['batch']}/"
                                   f"{extra['batches']}  ·  ETA {format_duration(extra.get('eta_s'))}")
            return
        self._pending_texts = None
        if message:
            self.status_label.setText(message)
        self._show_progress(done, total)
        if phase == "download":
            self.progress_bar.setFormat(f"{done / 1e6:.1f} / {total / 1e6:.1f} MB" if total else "%v bytes")
            return
        self.progress_bar.setFormat("%p%")
        if phase == "epoch":
            x = float(extra["epoch"])
            self._add_point("train", x, extra["accuracy"], extra["loss"])
            self._add_point("validation", x, extra["val_accuracy"], extra["val_loss"])
            self._flush_plots()  # epoch points show at once
            self.epoch_label.setText(f"Epoch {extra['epoch']}/{extra['epochs']} done  ·  val accuracy "
                                     f"{extra['val_accuracy']:.1%}  ·  ETA {format_duration(extra.get('eta_s'))}")

    def _show_progress(self, done: int, total: int) -> None:
        if total:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(done)
        else:
            self.progress_bar.setRange(0, 0)  # busy

    def _on_train_finished(self, result) -> None:
        self._flush_plots()
        meta = result.metadata
        how = "Stopped; best epoch so far saved" if result.stopped else "Trained"
        self.status_label.setText(f"{how}: {result.model_path.name}, val accuracy {meta['val_accuracy']:.1%}"
                                  + (f"; {len(result.skipped)} unreadable images skipped" if result.skipped else ""))
        self.refresh_models(select=result.model_path.stem)
        self.show_model(model_files.read_model_info(result.model_path), replot=False)

    def _on_train_failed(self, message: str) -> None:
        self.status_label.setText(message)
        self.context.error("Training stopped", message)

    def _on_train_cancelled(self) -> None:
        # A stop after an epoch finishes with the best model (see _on_train_finished); the job
        # only raises JobCancelled when no epoch had ended.
        self.status_label.setText("Stopped before the first epoch ended: nothing was saved.")

    def _on_job_ended(self) -> None:
        self._plot_timer.stop()
        self._flush_plots()
        self.progress_bar.setRange(0, 1)
        self.progress_bar.setValue(1 if self.current_model else 0)
        self._update_buttons()

    # -- models ----------------------------------------------------------------------------------
    def refresh_models(self, select: str | None = None) -> None:
        self.models_list.clear()
        project = self.context.project
        if project is None:
            return
        for info in model_files.list_models(project.models_dir):
            item = QListWidgetItem(info.summary())
            item.setData(Qt.ItemDataRole.UserRole, info.name)
            self.models_list.addItem(item)
            if info.name == select:
                self.models_list.setCurrentItem(item)
        self._update_buttons()

    def _selected_model_name(self) -> str | None:
        item = self.models_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def load_selected_model(self) -> None:
        name = self._selected_model_name()
        if name and self.context.project is not None:
            self.show_model(model_files.find_model(self.context.project.models_dir, name))

    def show_model(self, info: model_files.ModelInfo, replot: bool = True) -> None:
        """Show a model's history, evaluation and (if it has any) its stored predictions."""
        self.current_model = info
        meta = info.meta
        self.model_title.setText(info.summary())
        if replot:
            self._reset_plots()
            for h in meta.get("history", []):
                self._add_point("train", h["epoch"], h["accuracy"], h["loss"])
                self._add_point("validation", h["epoch"], h["val_accuracy"], h["val_loss"])
            self._flush_plots()
        self._show_evaluation(meta.get("evaluation") or {})
        self.positive_combo.blockSignals(True)
        self.positive_combo.clear()
        self.positive_combo.addItems(info.class_names)
        self.positive_combo.blockSignals(False)
        self._load_stored_scores()
        self._update_buttons()

    def _show_evaluation(self, ev: dict) -> None:
        names = ev.get("class_names", [])
        confusion = ev.get("confusion", [])
        self.confusion_table.clear()
        self.confusion_table.setRowCount(len(names))
        self.confusion_table.setColumnCount(len(names))
        self.confusion_table.setHorizontalHeaderLabels(names)
        self.confusion_table.setVerticalHeaderLabels(names)
        peak = max((max(r) for r in confusion), default=1) or 1
        for i, row in enumerate(confusion):
            for j, n in enumerate(row):
                cell = QTableWidgetItem(str(n))
                cell.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                tint = QColor("#2ca02c" if i == j else "#d62728")
                tint.setAlphaF(0.12 + 0.5 * n / peak if n else 0.0)
                cell.setBackground(tint)
                self.confusion_table.setItem(i, j, cell)
        per_class = ev.get("per_class_accuracy", {})
        self.per_class_label.setText("Per-class accuracy: " + "  ·  ".join(
            f"{c} {'n/a' if a is None else f'{a:.1%}'}" for c, a in per_class.items()) if per_class else "")
        items = []
        for kind, entries in (("wrong", ev.get("wrong", [])), ("unsure", ev.get("least_sure", []))):
            for e in entries:
                caption = (f"{e['true']} → {e['predicted']}" if kind == "wrong" else e["predicted"])
                items.append(GridItem(e["path"], f"{caption}\n{e['confidence']:.2f}",
                                      f"{e['path']}\ntrue {e['true']}, predicted {e['predicted']} "
                                      f"({e['confidence']:.3f})", "#c62828" if kind == "wrong" else None))
        self.review_grid.set_items(items)

    def _rename_selected_model(self) -> None:
        name = self._selected_model_name()
        if not name:
            return
        new, ok = QInputDialog.getText(self, "Rename model", "New name:", text=name)
        if ok and new and new != name:
            self.rename_model(name, new)

    def rename_model(self, old: str, new: str) -> None:
        try:
            info = rename_project_model(self.context.project, old, new)
        except UserError as exc:
            self.context.error("Cannot rename the model", str(exc))
            return
        if self.current_model is not None and self.current_model.name == old:
            self.current_model = info
            self.model_title.setText(info.summary())
        self.refresh_models(select=info.name)

    def _delete_selected_model(self) -> None:
        name = self._selected_model_name()
        if not name:
            return
        answer = QMessageBox.question(self, "Delete model", f"Delete the model “{name}” and its predictions? "
                                      "Labels are not touched.")
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_model(name)

    def delete_model(self, name: str) -> None:
        try:
            delete_project_model(self.context.project, name)
        except UserError as exc:
            self.context.error("Cannot delete the model", str(exc))
            return
        if self.current_model is not None and self.current_model.name == name:
            self.current_model = None
            self.scores = None
            self.model_title.setText("No model loaded.")
            self._show_evaluation({})
            self._on_threshold_changed()
        self.refresh_models()
        self.context.predictions_changed.emit()

    def _relabel(self, digit: int, paths: list[str]) -> None:
        """Keys 1-9 on the review grid: label those images with that class, undoable in the Sort tab."""
        catalog, project, info = self.context.catalog, self.context.project, self.current_model
        if catalog is None or info is None or not info.label_set:
            return
        ls = catalog.label_set(info.label_set)
        if ls is None or digit > len(ls.classes):
            return
        ids = catalog.file_ids_for_paths([project.relpath(p) for p in paths if Path(p).is_relative_to(project.root)])
        if ids:
            catalog.apply_label_changes(info.label_set, list(ids.values()), ls.classes[digit - 1])
            self.context.labels_changed.emit()
            self.context.status(f"Labelled {len(ids)} image(s) “{ls.classes[digit - 1]}”", 3000)

    # -- apply and split -------------------------------------------------------------------------
    def start_apply(self) -> None:
        if self.context.project is None or self.current_model is None:
            self.context.error("No model loaded", "Train a model or load one from the list first.")
            return
        job = make_project_apply_job(self.context.project, self.current_model.name,
                                     unlabelled_only=bool(self.apply_scope.currentData()))
        self.apply_label.setText("Loading the model…")
        self.apply_worker = self.context.jobs.start(job, "Apply classifier", on_progress=self._on_apply_progress,
                                                    on_finished=self._on_apply_finished,
                                                    on_failed=self._on_apply_failed,
                                                    on_cancelled=lambda: self.apply_label.setText("Stopped."))
        self.apply_worker.ended.connect(self._update_buttons)
        self._update_buttons()

    def _on_apply_progress(self, done: int, total: int, message: str, extra: dict) -> None:
        self.apply_progress.setRange(0, max(total, 1))
        self.apply_progress.setValue(done)
        if message:
            self.apply_label.setText(message)

    def _on_apply_finished(self, outcome) -> None:
        r = outcome.result
        self.apply_label.setText(f"Stored {outcome.stored} predictions" +
                                 (f"; {len(r.failed)} unreadable images marked corrupt" if r.failed else ""))
        self.scores = (list(r.paths), r.probabilities, list(r.class_names))
        self.context.predictions_changed.emit()
        self.results.setCurrentIndex(1)
        self._on_threshold_changed()

    def _on_apply_failed(self, message: str) -> None:
        self.apply_label.setText(message)
        self.context.error("Apply stopped", message)

    def _load_stored_scores(self) -> None:
        """The loaded model's predictions from the catalog, so Split works without re-applying."""
        self.scores = None
        catalog, project, info = self.context.catalog, self.context.project, self.current_model
        if catalog is not None and info is not None:
            record = catalog.model_record(info.name)
            if record is not None:
                stored = catalog.predictions_of(record.id)
                if stored:
                    files = catalog.file_paths(list(stored))
                    paths = [str(project.abspath(files[fid][0])) for fid in stored if fid in files]
                    probs = np.array([stored[fid] for fid in stored if fid in files], np.float32)
                    self.scores = (paths, probs, list(record.classes))
        self._on_threshold_changed()

    def threshold(self) -> float:
        return self.threshold_slider.value() / 100.0

    def _on_threshold_changed(self, *_args) -> None:
        self.threshold_label.setText(f"{self.threshold():.2f}")
        self._near_timer.start()

    def _show_near_threshold(self) -> None:
        if not self.scores or not len(self.scores[0]):
            self.split_summary.setText("Apply a model to see how a threshold splits the images.")
            self.near_grid.set_items([])
            self._update_buttons()
            return
        from ganime_gui.core.classify.apply import assign_classes

        paths, probs, classes = self.scores
        positive = self.positive_combo.currentText() or None
        folders = assign_classes(probs, classes, self.threshold(), positive if positive in classes else None)
        counts = {c: folders.count(c) for c in dict.fromkeys(folders)}
        self.split_summary.setText(f"{len(paths)} scored images → " +
                                   ", ".join(f"{c}/: {n}" for c, n in counts.items()))
        near = near_threshold(paths, probs, classes, self.threshold(),
                              positive if positive in classes else None, count=30)
        label = positive or classes[0]
        self.near_grid.set_items([GridItem(p, f"{label} {s:.2f}") for p, s in near])
        self._update_buttons()

    def _ask_split(self) -> None:
        if not self.scores or self.context.project is None:
            return
        start = self.context.project.exports_dir / (self.current_model.name if self.current_model else "split")
        folder = QFileDialog.getExistingDirectory(self, "Split into folders under…", str(start.parent))
        if folder:
            self.split_to(Path(folder) / start.name if Path(folder) == start.parent else Path(folder))

    def split_to(self, folder: str | os.PathLike):
        """Copy (or link) the scored images into ``folder/<class>/`` in a worker; returns the worker."""
        paths, probs, classes = self.scores
        positive = self.positive_combo.currentText() or None
        threshold, link = self.threshold(), self.link_check.isChecked()

        def job(progress, cancelled):
            return split_into_folders(paths, probs, classes, folder, threshold=threshold,
                                      positive_class=positive if positive in classes else None, link=link,
                                      progress=progress, cancelled=cancelled)

        def done(counts):
            self.split_summary.setText(f"Split into {folder}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
            self.context.status(f"Split {sum(counts.values())} images into {folder}", 5000)

        return self.context.jobs.start(job, "Split into folders", on_finished=done,
                                       on_failed=lambda m: self.context.error("Split stopped", m))

    # -- buttons ---------------------------------------------------------------------------------
    def _update_buttons(self, *_args) -> None:
        has_project = self.context.project is not None
        training = self.is_training()
        applying = self.apply_worker is not None and self.apply_worker.is_running()
        has_model = self.current_model is not None
        selected = self.models_list.currentItem() is not None
        self.train_button.setEnabled(has_project and not training)
        self.stop_button.setEnabled(training)
        self.load_button.setEnabled(selected and not training)
        self.rename_button.setEnabled(selected and not training and not applying)
        self.delete_button.setEnabled(selected and not training and not applying)
        self.apply_button.setEnabled(has_model and not applying)
        self.split_button.setEnabled(bool(self.scores) and len(self.scores[0]) > 0)
