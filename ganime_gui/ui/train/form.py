"""The Train tab's settings: which labels to learn (Data) and how (Model); builds a ``TrainConfig``."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QFormLayout, QGroupBox, QLabel, QPushButton,
                               QSpinBox, QVBoxLayout, QWidget)

from ganime_gui.core.classify.backbones import BACKBONES, WEIGHTS_IMAGENET, weights_label
from ganime_gui.core.classify.evaluation import FROM_SCRATCH_LABELS
from ganime_gui.core.classify.reasons import CLEAN
from ganime_gui.core.classify.train import TrainConfig
from ganime_gui.core.classify.weights import keras_models_dir
from ganime_gui.core.jobs import UserError

WEIGHT_CHOICES = [("ImageNet (downloaded once)", WEIGHTS_IMAGENET), ("None: train from scratch", "none"),
                  ("Weights file…", "file")]
SCRATCH_HINT = (f"From scratch every layer trains and nothing is frozen: that needs many more labels "
                f"(thousands, {FROM_SCRATCH_LABELS}+) than ImageNet weights, which learn from a few hundred.")
DEFAULTS = TrainConfig()


def _spin(low: int, high: int, value: int, *, suffix: str = "", special: str = "", tip: str = "") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    spin.setSpecialValueText(special)
    spin.setToolTip(tip)
    return spin


class TrainForm(QWidget):
    """Data and Model boxes. ``config()`` reads them; ``set_form``/``fill_from`` write them."""

    label_set_changed = Signal(str)

    def __init__(self, settings, parent=None):
        super().__init__(parent)
        self.settings = settings  # QSettings: the weights file chosen per backbone
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self._data_box())
        col.addWidget(self._model_box())

    def _data_box(self) -> QGroupBox:
        box = QGroupBox("Data")
        form = QFormLayout(box)
        self.label_set_combo = QComboBox()
        self.label_set_combo.currentTextChanged.connect(self.label_set_changed)
        self.counts_label = QLabel("Open a project and label images in the Sort tab.")
        self.counts_label.setWordWrap(True)
        self.per_reason_check = QCheckBox("One classifier per reason")
        self.per_reason_check.setToolTip(
            f"For a label set of reject reasons plus “{CLEAN}” (such as “reasons”): each reason gets a "
            f"classifier of its own, that reason against the rest, and an image is {CLEAN} when no "
            "reason applies; all are measured on labels held out from training")
        self.per_reason_check.setEnabled(False)
        form.addRow("Label set", self.label_set_combo)
        form.addRow(self.counts_label)
        form.addRow(self.per_reason_check)
        return box

    def set_classes(self, classes) -> None:
        """The chosen label set's classes: one classifier per reason needs a clean class and a reason."""
        possible = CLEAN in classes and len(classes) >= 2
        self.per_reason_check.setEnabled(possible)
        if not possible:
            self.per_reason_check.setChecked(False)

    def one_per_reason(self) -> bool:
        return self.per_reason_check.isEnabled() and self.per_reason_check.isChecked()

    def _model_box(self) -> QGroupBox:
        box = QGroupBox("Model")
        form = QFormLayout(box)
        self.backbone_combo = QComboBox()
        for spec in BACKBONES.values():
            self.backbone_combo.addItem(spec.label, spec.name)
        self.weights_combo = QComboBox()
        for text, value in WEIGHT_CHOICES:
            self.weights_combo.addItem(text, value)
        self.weights_file_button = QPushButton("Load weights file…")
        self.weights_file_button.setToolTip("A Keras .h5 / .weights.h5 file of this backbone without its top "
                                            "(for offline machines); remembered per backbone")
        self.weights_file_button.clicked.connect(self._choose_weights_file)
        self.weights_file_label = QLabel("")
        self.weights_file_label.setWordWrap(True)
        self.scratch_hint = QLabel(SCRATCH_HINT)
        self.scratch_hint.setWordWrap(True)
        self.scratch_hint.setStyleSheet("color: #8a5a00")
        self.size_spin = _spin(32, 512, 224, suffix=" px")
        self.size_spin.setSingleStep(16)
        self.frozen_spin = _spin(-1, 1000, -1, special="default",
                                 tip="Backbone layers kept frozen, counting its input layer. Default: VGG16 "
                                     "15 (the seed), others the whole backbone; none from scratch")
        self.epochs_spin = _spin(1, 500, DEFAULTS.epochs,
                                 tip="The most epochs to train; early stopping usually ends sooner and keeps "
                                     "the best epoch")
        self.patience_spin = _spin(0, 100, DEFAULTS.early_stopping_patience, suffix=" epochs",
                                   special="off: train all epochs",
                                   tip="Stop when the validation loss has not improved for this many epochs; "
                                       "the epoch with the lowest validation loss is kept")
        self.batch_spin = _spin(1, 512, DEFAULTS.batch_size)
        self.cache_check = QCheckBox("Frozen-feature cache")
        self.cache_check.setChecked(True)
        self.cache_check.setToolTip("Compute the frozen layers once per image and train only the rest "
                                    "(much faster; random flips need it off)")
        for label, widget in (("Backbone", self.backbone_combo), ("Weights", self.weights_combo),
                              (None, self.weights_file_button), (None, self.weights_file_label),
                              (None, self.scratch_hint), ("Input size", self.size_spin),
                              ("Frozen layers", self.frozen_spin), ("Epochs, at most", self.epochs_spin),
                              ("Early stopping", self.patience_spin), ("Batch size", self.batch_spin),
                              (None, self.cache_check)):
            form.addRow(label, widget) if label else form.addRow(widget)
        self.backbone_combo.currentIndexChanged.connect(self._on_backbone_changed)
        self.weights_combo.currentIndexChanged.connect(self._on_weights_changed)
        self._on_backbone_changed()
        return box

    # -- reactions -------------------------------------------------------------------------------
    def set_label_sets(self, names: list[str]) -> None:
        self.label_set_combo.blockSignals(True)
        self.label_set_combo.clear()
        self.label_set_combo.addItems(names)
        self.label_set_combo.blockSignals(False)

    def label_set(self) -> str:
        return self.label_set_combo.currentText()

    def _on_backbone_changed(self, *_args) -> None:
        spec = BACKBONES[self.backbone_combo.currentData()]
        self.size_spin.setValue(spec.default_size)
        self.frozen_spin.setValue(-1)
        imagenet_index = self.weights_combo.findData(WEIGHTS_IMAGENET)
        self.weights_combo.model().item(imagenet_index).setEnabled(spec.imagenet)
        if not spec.imagenet and self.weights_combo.currentData() == WEIGHTS_IMAGENET:
            self.weights_combo.setCurrentIndex(self.weights_combo.findData("none"))
        self._on_weights_changed()

    def _weights_file_key(self) -> str:
        return f"classifier/weightsFile/{self.backbone_combo.currentData()}"

    def _on_weights_changed(self, *_args) -> None:
        choice = self.weights_combo.currentData()
        path = self.settings.value(self._weights_file_key(), "") if choice == "file" else ""
        empty = "No file chosen yet" if choice == "file" else ""
        self.weights_file_label.setText(f"File: {path}" if path else empty)
        self.weights_file_label.setVisible(choice == "file")
        self.scratch_hint.setVisible(choice == "none")

    def _choose_weights_file(self) -> None:
        start = keras_models_dir() if keras_models_dir().is_dir() else Path.home()  # where Keras keeps them
        path, _ = QFileDialog.getOpenFileName(self, "Weights file for " + self.backbone_combo.currentText(),
                                              str(start), "Keras weights (*.h5 *.weights.h5);;All files (*)")
        if path:
            self.set_weights_file(path)

    def set_weights_file(self, path: str) -> None:
        self.settings.setValue(self._weights_file_key(), path)
        self.weights_combo.setCurrentIndex(self.weights_combo.findData("file"))
        self._on_weights_changed()

    # -- reading and writing the form ------------------------------------------------------------
    def set_form(self, *, label_set: str | None = None, backbone: str | None = None,
                 weights: str | None = None, size: int | None = None, batch: int | None = None,
                 epochs: int | None = None, patience: int | None = None, frozen: int | None = None,
                 per_reason: bool | None = None) -> None:
        """Fill the form (scripts, tests, the demo); ``weights`` is 'imagenet', 'none' or 'file'."""
        if label_set is not None:
            self.label_set_combo.setCurrentText(label_set)
        if per_reason is not None:
            self.per_reason_check.setChecked(per_reason)
        if backbone is not None and self.backbone_combo.findData(backbone) >= 0:
            self.backbone_combo.setCurrentIndex(self.backbone_combo.findData(backbone))
        if weights is not None:
            self.weights_combo.setCurrentIndex(self.weights_combo.findData(weights))
        for spin, value in ((self.size_spin, size), (self.batch_spin, batch), (self.epochs_spin, epochs),
                            (self.patience_spin, patience), (self.frozen_spin, frozen)):
            if value is not None:
                spin.setValue(value)

    def fill_from(self, meta: dict) -> None:
        """The settings a saved model was trained with (its sidecar's ``config``)."""
        cfg = meta.get("config") or {}
        weights = weights_label(cfg.get("weights"))
        choice = weights if weights in (WEIGHTS_IMAGENET, "none") else "file"
        if choice == "file":
            self.backbone_combo.setCurrentIndex(max(0, self.backbone_combo.findData(cfg.get("backbone"))))
            self.settings.setValue(self._weights_file_key(), weights)
        self.set_form(label_set=meta.get("label_set") or None, backbone=cfg.get("backbone"), weights=choice,
                      size=cfg.get("input_size") or meta.get("input_size"), batch=cfg.get("batch_size"),
                      epochs=cfg.get("epochs"), patience=cfg.get("early_stopping_patience"),
                      frozen=-1 if cfg.get("frozen_layers") is None else cfg["frozen_layers"])
        self.cache_check.setChecked(bool(cfg.get("use_feature_cache", True)))

    def config(self) -> TrainConfig:
        weights = self.weights_combo.currentData()
        if weights == "file":
            weights = self.settings.value(self._weights_file_key(), "")
            if not weights:
                raise UserError("Choose a weights file first (Load weights file…), or pick ImageNet / none.")
        return TrainConfig(backbone=self.backbone_combo.currentData(),
                           weights=None if weights == "none" else weights,
                           input_size=self.size_spin.value(),
                           frozen_layers=None if self.frozen_spin.value() < 0 else self.frozen_spin.value(),
                           epochs=self.epochs_spin.value(), batch_size=self.batch_spin.value(),
                           early_stopping_patience=self.patience_spin.value(),
                           use_feature_cache=self.cache_check.isChecked())
