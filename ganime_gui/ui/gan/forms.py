"""The GAN tab's settings column: which images (``SourceBox``) and the model's settings (``ModelBox``)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QLabel, QMenu,
                               QSpinBox, QToolButton)

from ganime_gui.core.gan.config import ARCHITECTURES, DEFAULT_ARCH, GanConfig
from ganime_gui.core.gan.dataset import RESOLUTIONS
from ganime_gui.core.gan.selection import ALL, CLEAN, FOLDER, LABEL, PREDICTED
from ganime_gui.ui.widgets.combos import narrow_combo


def spin(lo: int, hi: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    return box


def double(lo: float, hi: float, value: float, suffix: str) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(2)
    box.setValue(value)
    box.setSuffix(suffix)
    return box


class SourceBox(QGroupBox):
    """Images by hand label, by a classifier's predicted class, all images, or a folder; the size."""
    folder_wanted = Signal()          # "A folder…" was picked: the tab asks which
    export_wanted = Signal(str)       # "npy" or "png"

    def __init__(self, parent=None):
        super().__init__("Training images", parent)
        self.folder: Path | None = None
        form = QFormLayout(self)
        self.combo = narrow_combo()
        self.combo.setToolTip("Images with this label or predicted class (rejected ones left out), "
                              "all images, or a folder")
        self.combo.activated.connect(self._on_activated)
        self.count = QLabel("")
        self.res_combo = QComboBox()
        for r in RESOLUTIONS:
            self.res_combo.addItem(f"{r} × {r}", r)
        self.mirror_check = QCheckBox("Random left-right flips")
        self.mirror_check.setChecked(GanConfig.mirror)  # doubles a small set; off where sides matter
        self.mirror_check.setToolTip("Shows each training image mirrored half of the time: twice the "
                                     "poses from the same images. Turn off if left and right matter "
                                     "(text, one-sided designs).")
        export = QToolButton()
        export.setText("Export prepared set")
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        menu.addAction("As .npy ([-1, 1] floats)…", lambda: self.export_wanted.emit("npy"))
        menu.addAction("As a folder of PNGs…", lambda: self.export_wanted.emit("png"))
        export.setMenu(menu)
        self.export_button = export
        form.addRow("Images", self.combo)
        form.addRow(self.count)
        self.count.hide()
        form.addRow("Size", self.res_combo)
        form.addRow("", self.mirror_check)
        form.addRow("", export)

    def fill(self, catalog, project=None) -> None:
        """List the catalog's selections (kept on the current one when it is still there)."""
        from ganime_gui.core.gan.selection import clean_choices, label_choices, prediction_choices

        current = self.current()
        items = []
        if catalog is not None:
            items += [(f"Clean set of {c.label_set}: {c.clean}" + (f", tags {c.tags}" if c.tags else "")
                       + f" ({c.count})", (CLEAN, c.label_set, c.clean))
                      for c in clean_choices(catalog, project)]  # the funnel's result
            items += [(f"{label_set}: {label} ({count})", (LABEL, label_set, label))
                      for label_set, label, count in label_choices(catalog)]
            items += [(f"Predicted {c.label} by {c.model} ({c.count})", (PREDICTED, c.model, c.label))
                      for c in prediction_choices(catalog)]  # the classifier's cleaning, as a selection
            items.append((f"All images in the project ({catalog.count_files()})", (ALL,)))
        items.append((f"Folder: {self.folder}" if self.folder else "A folder…", (FOLDER,)))
        # The selections are kept beside the combo: Qt turns tuples stored as item data into lists.
        self.selections = [sel for _, sel in items]
        self.combo.clear()
        for text, _ in items:
            self.combo.addItem(text)
        self.select(current if current in self.selections else self.selections[0])

    def current(self) -> tuple | None:
        i = self.combo.currentIndex()
        return self.selections[i] if 0 <= i < len(getattr(self, "selections", ())) else None

    def select(self, selection: tuple) -> bool:
        if selection not in self.selections:
            return False
        self.combo.setCurrentIndex(self.selections.index(selection))
        return True

    def prefer(self, selection: tuple) -> bool:
        """Start on ``selection`` (e.g. the seed's clean class) unless a folder or all images is
        chosen; says whether it is now the current one."""
        if self.current() not in ((ALL,), (FOLDER,)) and len(self.selections) > 1:
            return self.select(selection)
        return False

    def show_folder(self, folder: Path, count_text: str, catalog, project=None) -> None:
        self.folder = folder
        self.fill(catalog, project)
        self.select((FOLDER,))
        self.count.setText(count_text)
        self.count.show()

    def _on_activated(self, index: int) -> None:
        if self.selections[index] != (FOLDER,):
            self.count.hide()
        else:
            self.folder_wanted.emit()


class ModelBox(QGroupBox):
    """The architecture and sizes of a run; ``edited`` when the user changes what decides its speed."""
    edited = Signal()

    def __init__(self, parent=None):
        super().__init__("Model", parent)
        form = QFormLayout(self)
        self.arch_combo = narrow_combo()
        for key, arch in ARCHITECTURES.items():
            self.arch_combo.addItem(arch.title, key)
            self.arch_combo.setItemData(self.arch_combo.count() - 1, arch.summary,
                                        Qt.ItemDataRole.ToolTipRole)
        self.arch_combo.setCurrentIndex(list(ARCHITECTURES).index(DEFAULT_ARCH))
        self.arch_combo.setToolTip(ARCHITECTURES[DEFAULT_ARCH].summary)  # set before its item's tip was
        self.batch_spin = spin(2, 1024, 64)
        self.kimg_spin = double(0.1, 100000, 2000, " kimg")
        self.kimg_spin.setToolTip("Stop after this many thousand real images were shown")
        self.preview_spin = double(0.01, 1000, 4, " kimg")
        self.preview_spin.setToolTip("Save a sample grid this often (more often in the first 10 kimg)")
        self.checkpoint_spin = double(0.1, 10000, 50, " kimg")
        self.width_spin = spin(4, 256, 64)
        self.width_spin.setToolTip("Channels of the widest-resolution block; smaller is faster and weaker")
        self.latent_spin = spin(8, 1024, 128)
        self.seed_spin = spin(0, 2**31 - 1, 0)
        for title, widget in (("Architecture", self.arch_combo), ("Batch", self.batch_spin),
                              ("Train for", self.kimg_spin), ("Samples every", self.preview_spin),
                              ("Checkpoint every", self.checkpoint_spin), ("Width", self.width_spin),
                              ("Latent size", self.latent_spin), ("Seed", self.seed_spin)):
            form.addRow(title, widget)
        self._quiet = False
        for box in (self.batch_spin, self.kimg_spin, self.width_spin, self.latent_spin):
            box.valueChanged.connect(self._on_edited)
        self.arch_combo.currentIndexChanged.connect(self._on_edited)

    def _on_edited(self, *_) -> None:
        if not self._quiet:
            self.edited.emit()

    def config(self, resolution: int, mirror: bool) -> GanConfig:
        return GanConfig(arch=self.arch_combo.currentData(), resolution=resolution,
                         batch_size=self.batch_spin.value(), total_kimg=self.kimg_spin.value(),
                         preview_every_kimg=self.preview_spin.value(),
                         checkpoint_every_kimg=self.checkpoint_spin.value(),
                         base_channels=self.width_spin.value(), latent_dim=self.latent_spin.value(),
                         seed=self.seed_spin.value(), mirror=mirror)

    def apply_preset(self, preset) -> None:
        """The preset's sizes (the architecture and the data stay as chosen)."""
        self._set({self.width_spin: preset.base_channels, self.batch_spin: preset.batch_size,
                   self.latent_spin: preset.latent_dim, self.kimg_spin: preset.total_kimg})

    def fill(self, config: GanConfig) -> None:
        """An opened run's settings (a continued run keeps them)."""
        self._quiet = True
        try:
            self.arch_combo.setCurrentIndex(max(0, self.arch_combo.findData(config.arch)))
        finally:
            self._quiet = False
        self._set({self.width_spin: config.base_channels, self.batch_spin: config.batch_size,
                   self.latent_spin: config.latent_dim, self.seed_spin: config.seed,
                   self.kimg_spin: max(self.kimg_spin.minimum(), config.total_kimg),
                   self.preview_spin: config.preview_every_kimg})

    def _set(self, values: dict) -> None:
        self._quiet = True
        try:
            for box, value in values.items():
                box.setValue(value)
        finally:
            self._quiet = False
