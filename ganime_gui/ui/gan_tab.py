"""The GAN tab: pick the training images, start / pause / stop a run and watch its samples improve.

All the work is ``ganime_gui.core.gan``: this widget builds a ``GanConfig`` from the form, runs the
training job through the worker layer and shows what it reports: the real-image grid, then the
fixed-latent sample grids (a slider scrubs back through the run folder's ``fakes*.png``), loss
curves, speed, ETA and augmentation strength. A past run folder (the GUI's or a headless
``ganime train-gan`` run) opens the same way and can be continued from its last checkpoint.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QGridLayout,
                               QGroupBox, QHBoxLayout, QLabel, QMenu, QPushButton,
                               QSlider, QSpinBox, QSplitter, QToolButton, QVBoxLayout, QWidget)

from ganime_gui.core.gan import runs
from ganime_gui.core.timefmt import format_duration
from ganime_gui.core.gan.config import ARCHITECTURES, DEFAULT_ARCH, GanConfig
from ganime_gui.core.gan.dataset import RESOLUTIONS, list_image_files
from ganime_gui.core.gan.presets import LONG_RUN_S
from ganime_gui.core.jobs import UserError
from ganime_gui.ui.context import AppContext
from ganime_gui.ui.gan.preset_box import PresetBox
from ganime_gui.ui.widgets.image_view import ImageView
from ganime_gui.ui.widgets.live_plot import LivePlot
from ganime_gui.ui.widgets.side_panel import side_panel


FOLDER_SOURCE = "__folder__"
PREDICTED_SOURCE = "__predicted__"
NOT_SCORED = "SWD / KID / FID: not computed yet"
ALL_SOURCE = "__all__"


class GanTab(QWidget):
    SHORTCUTS: list[tuple[str, str]] = [
        ("Ctrl+Enter", "Start a new run"),
        ("Ctrl+P", "Pause / resume training (a checkpoint is written on pause)"),
        ("Ctrl+.", "Stop training (a checkpoint is written; Continue run goes on)"),
    ]

    def __init__(self, context: AppContext, parent=None):
        super().__init__(parent)
        self.context = context
        self.worker = None
        self.trainer = None
        self.run_dir: Path | None = None
        self.run_record_id: int | None = None
        self.folder: Path | None = None
        self.grids: list[tuple[str, Path]] = []  # (title, path): reals first, then fakes by kimg
        self._follow = True  # show each new sample grid as it comes
        self._loss_ema: dict[str, float] = {}
        self._build()
        context.project_changed.connect(self._on_project_changed)
        # Counts per label and of all images change as the Sort tab labels and a crawl downloads.
        context.labels_changed.connect(self._fill_sources)
        context.files_changed.connect(self._fill_sources)
        context.predictions_changed.connect(self._fill_sources)
        self._on_project_changed(context.project)
        self._update_buttons()
        QShortcut(QKeySequence("Ctrl+Return"), self, self.start_new_run)
        QShortcut(QKeySequence("Ctrl+P"), self, self.pause_button.toggle)
        QShortcut(QKeySequence("Ctrl+."), self, self.stop)

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        from ganime_gui.core.gan.presets import machine_choice

        self.preset_box = PresetBox(machine_choice())
        self.preset_box.preset_chosen.connect(self.apply_preset)
        scroll = side_panel(self._data_box(), self.preset_box, self._model_box(), self._run_buttons(),
                            self._stats_box(), max_width=380)
        self.apply_preset(self.preset_box.choice.preset)
        for spin in (self.batch_spin, self.kimg_spin, self.width_spin, self.latent_spin):
            spin.valueChanged.connect(self._on_size_edited)
        self.res_combo.currentIndexChanged.connect(self._on_size_edited)
        self.arch_combo.currentIndexChanged.connect(self._on_size_edited)

        self.grid_title = QLabel("No run yet")
        self.grid_title.setStyleSheet("font-weight: 600")
        self.grid_view = ImageView("Start a run to see real images here, then the generator's samples "
                                   "from fixed latent vectors as it learns.\nOr open a past run folder.")
        self.grid_slider = QSlider(Qt.Orientation.Horizontal)
        self.grid_slider.setToolTip("Scrub through the sample grids saved so far")
        self.grid_slider.valueChanged.connect(self._show_grid_at)
        self.grid_slider.actionTriggered.connect(self._on_user_scrub)
        self.export_grid_button = QPushButton("Export grid…")
        self.export_grid_button.clicked.connect(self._export_grid)
        self.interpolation_button = QPushButton("Interpolation…")
        self.interpolation_button.setToolTip("Walk between random latents with the latest checkpoint's "
                                             "generator: an animated GIF or a PNG strip")
        self.interpolation_button.clicked.connect(self._export_interpolation)
        grid_bar = QHBoxLayout()
        grid_bar.addWidget(self.grid_slider, 1)
        grid_bar.addWidget(self.export_grid_button)
        grid_bar.addWidget(self.interpolation_button)
        self.export_generator_button = QPushButton("Export…")
        self.export_generator_button.setToolTip("Save the latest checkpoint's generator as a .keras file that "
                                                "plain Keras loads (with a .json saying how), and 64 samples")
        self.export_generator_button.clicked.connect(self._export_generator)
        grid_bar.addWidget(self.export_generator_button)
        grid_panel = QWidget()
        grid_layout = QVBoxLayout(grid_panel)
        grid_layout.setContentsMargins(0, 0, 0, 0)
        grid_layout.addWidget(self.grid_title)
        grid_layout.addWidget(self.grid_view, 1)
        grid_layout.addLayout(grid_bar)

        self.loss_plot = LivePlot("Losses (smoothed)", "kimg", "loss")
        self.loss_plot.add_series("D", "#d62728")
        self.loss_plot.add_series("G", "#1f77b4")
        self.metric_plot = LivePlot("SWD and KID (lower is better)", "kimg", "×10³")
        self.metric_plot.add_series("SWD ×10³", "#9467bd", symbol="s")
        self.metric_plot.add_series("KID ×10³", "#2ca02c", symbol="o")
        self.metric_plot.hide()  # until the run has a score
        self.metric_label = QLabel(NOT_SCORED)
        self.metric_label.setWordWrap(True)
        plots = QWidget()
        plots_layout = QVBoxLayout(plots)
        plots_layout.setContentsMargins(0, 0, 0, 0)
        plots_layout.addWidget(self.loss_plot, 3)
        plots_layout.addWidget(self.metric_plot, 2)
        plots_layout.addWidget(self._metrics_box())

        right = QSplitter(Qt.Orientation.Horizontal)
        right.addWidget(grid_panel)
        right.addWidget(plots)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(right, 1)

    def _data_box(self) -> QGroupBox:
        box = QGroupBox("Training images")
        form = QFormLayout(box)
        self.source_combo = self._narrow_combo()
        self.source_combo.setToolTip("Images with this label (rejected ones left out), all images, or a folder")
        self.source_combo.activated.connect(self._on_source_activated)
        self.source_count = QLabel("")
        self.res_combo = QComboBox()
        for r in RESOLUTIONS:
            self.res_combo.addItem(f"{r} × {r}", r)
        self.mirror_check = QCheckBox("Random left-right flips")
        export = QToolButton()
        export.setText("Export prepared set")
        export.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(export)
        menu.addAction("As .npy ([-1, 1] floats)…", lambda: self._export_prepared("npy"))
        menu.addAction("As a folder of PNGs…", lambda: self._export_prepared("png"))
        export.setMenu(menu)
        self.export_data_button = export
        form.addRow("Images", self.source_combo)
        form.addRow(self.source_count)
        self.source_count.hide()
        form.addRow("Size", self.res_combo)
        form.addRow("", self.mirror_check)
        form.addRow("", export)
        return box

    def _model_box(self) -> QGroupBox:
        box = QGroupBox("Model")
        form = QFormLayout(box)
        self.arch_combo = self._narrow_combo()
        for key, spec in ARCHITECTURES.items():
            self.arch_combo.addItem(spec.title, key)
        self.arch_combo.setCurrentIndex(list(ARCHITECTURES).index(DEFAULT_ARCH))
        self.arch_combo.setToolTip("DiffAugment + spectral norm + hinge + EMA is the data-efficient "
                                   "default for a few thousand images; DCGAN and WGAN-GP are the seed's")
        self.batch_spin = self._spin(2, 1024, 64)
        self.kimg_spin = self._double(0.1, 100000, 2000, " kimg")
        self.kimg_spin.setToolTip("Stop after this many thousand real images were shown")
        self.preview_spin = self._double(0.01, 1000, 4, " kimg")
        self.preview_spin.setToolTip("Save a sample grid (fakes<kimg>.png) this often")
        self.checkpoint_spin = self._double(0.1, 10000, 50, " kimg")
        self.width_spin = self._spin(4, 256, 64)
        self.width_spin.setToolTip("Channels of the widest-resolution block; smaller is faster and weaker")
        self.latent_spin = self._spin(8, 1024, 128)
        self.seed_spin = self._spin(0, 2**31 - 1, 0)
        form.addRow("Architecture", self.arch_combo)
        form.addRow("Batch", self.batch_spin)
        form.addRow("Train for", self.kimg_spin)
        form.addRow("Samples every", self.preview_spin)
        form.addRow("Checkpoint every", self.checkpoint_spin)
        form.addRow("Width", self.width_spin)
        form.addRow("Latent size", self.latent_spin)
        form.addRow("Seed", self.seed_spin)
        return box

    def _run_buttons(self) -> QVBoxLayout:
        self.start_button = QPushButton("Start new run")
        self.start_button.clicked.connect(self.start_new_run)
        self.continue_button = QPushButton("Continue run")
        self.continue_button.setToolTip("Resume the open run from its latest checkpoint")
        self.continue_button.clicked.connect(self.continue_run)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after this step; a checkpoint is written so it can continue")
        self.stop_button.clicked.connect(self.stop)
        self.open_button = QPushButton("Open run…")
        self.open_button.clicked.connect(self._ask_open_run)
        rows = QVBoxLayout()
        for pair in ((self.start_button, self.continue_button), (self.pause_button, self.stop_button)):
            row = QHBoxLayout()
            for w in pair:
                row.addWidget(w)
            rows.addLayout(row)
        rows.addWidget(self.open_button)
        return rows

    def _metrics_box(self) -> QGroupBox:
        box = QGroupBox("Quality: SWD, and KID / FID with a network")
        grid = QGridLayout(box)
        self.metric_net_combo = self._narrow_combo()
        self.metric_net_combo.addItem("SWD only: no network, works offline", "swd")
        self.metric_net_combo.addItem("+ KID/FID: Keras InceptionV3, ImageNet (downloads once)", "keras-imagenet")
        self.metric_net_combo.addItem("+ KID/FID: Inception 2015-12-05 graph file… (as pytorch-fid)",
                                      "inception-graph")
        self.metric_net_combo.addItem("+ KID/FID: InceptionV3 weights file…", "keras-weights")
        self.metric_net_combo.activated.connect(self._on_metric_net_chosen)
        self.metric_files: dict[str, str] = {}
        self.metric_samples = self._spin(50, 50000, 2000)
        self.metric_samples.setToolTip("Generated and real images scored")
        self.metric_every_spin = self._double(0, 100000, 0, " kimg")
        self.metric_every_spin.setSpecialValueText("never")
        self.metric_every_spin.setToolTip("Score the EMA generator during training this often "
                                          "(slow without a GPU)")
        self.score_button = QPushButton("Score latest checkpoint")
        self.score_button.clicked.connect(self.score_latest_checkpoint)
        grid.addWidget(QLabel("Network"), 0, 0)
        grid.addWidget(self.metric_net_combo, 0, 1, 1, 3)
        grid.addWidget(QLabel("Samples"), 1, 0)
        grid.addWidget(self.metric_samples, 1, 1)
        grid.addWidget(QLabel("While training, every"), 1, 2)
        grid.addWidget(self.metric_every_spin, 1, 3)
        grid.addWidget(self.score_button, 2, 0, 1, 2)
        grid.addWidget(self.metric_label, 3, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return box

    def _stats_box(self) -> QGroupBox:
        box = QGroupBox("Progress")
        form = QFormLayout(box)
        self.stat_labels: dict[str, QLabel] = {}
        for key, title in (("kimg", "Images shown"), ("sec_per_kimg", "Seconds / kimg"),
                           ("img_per_s", "Images / s"), ("eta", "ETA"), ("augment_p", "Augmentation p"),
                           ("losses", "D / G loss"), ("checkpoint", "Checkpoint")):
            label = QLabel("–")
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.stat_labels[key] = label
            form.addRow(title, label)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        form.addRow(self.status_label)
        return box

    @staticmethod
    def _narrow_combo() -> QComboBox:
        """A combo box that elides long entries instead of widening the side panel."""
        combo = QComboBox()
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(14)
        combo.currentTextChanged.connect(combo.setToolTip)
        return combo

    @staticmethod
    def _spin(lo: int, hi: int, value: int) -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(lo, hi)
        spin.setValue(value)
        return spin

    @staticmethod
    def _double(lo: float, hi: float, value: float, suffix: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(lo, hi)
        spin.setDecimals(2)
        spin.setValue(value)
        spin.setSuffix(suffix)
        return spin

    # -- data selection --------------------------------------------------------------------------
    def _on_project_changed(self, project) -> None:
        self._fill_sources()
        self._prefer_clean_label()
        if self.is_running():
            return
        last = runs.latest_run_dir(project.runs_dir) if project else None
        if last is not None:  # after a restart: the project's last run, with its settings
            self.open_run(last)
        elif self.run_dir is not None:
            self._reset_view(None)
            self.trainer = None
            self._update_buttons()

    def _fill_sources(self) -> None:
        from ganime_gui.core.gan.selection import label_choices, prediction_choices

        current = self.source_combo.currentData()
        self.source_combo.clear()
        catalog = self.context.catalog
        if catalog is not None:
            for label_set, label, count in label_choices(catalog):
                self.source_combo.addItem(f"{label_set}: {label} ({count})", (label_set, label))
            for c in prediction_choices(catalog):  # the classifier's cleaning, as a selection
                self.source_combo.addItem(f"Predicted {c.label} by {c.model} ({c.count})",
                                          (PREDICTED_SOURCE, c.model, c.label))
            self.source_combo.addItem(f"All images in the project ({catalog.count_files()})", ALL_SOURCE)
        self.source_combo.addItem(f"Folder: {self.folder}" if self.folder else "A folder…", FOLDER_SOURCE)
        index = self.source_combo.findData(current)
        self.source_combo.setCurrentIndex(index if index >= 0 else 0)

    def _prefer_clean_label(self) -> None:
        """Start on the seed's clean class (not_chibi) when it has images."""
        if self.source_combo.currentData() not in (ALL_SOURCE, FOLDER_SOURCE) or self.source_combo.count() == 1:
            return
        index = self.source_combo.findData(("chibi", "not_chibi"))
        if index >= 0:
            self.source_combo.setCurrentIndex(index)

    def _on_source_activated(self, index: int) -> None:
        if self.source_combo.itemData(index) != FOLDER_SOURCE:
            self.source_count.hide()
        else:
            folder = QFileDialog.getExistingDirectory(self, "Train on the images in a folder", self.dialog_dir())
            if folder:
                self.set_folder(folder)

    def set_folder(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._fill_sources()
        self.source_combo.setCurrentIndex(self.source_combo.findData(FOLDER_SOURCE))
        try:
            count = len(list_image_files(self.folder))
        except UserError as exc:
            self.source_count.setText(str(exc))
        else:
            self.source_count.setText(f"{count} images in {self.folder.name}")
        self.source_count.show()

    def selected_paths(self) -> list[Path]:
        from ganime_gui.core.gan.selection import all_image_paths, paths_with_label, paths_with_prediction

        source = self.source_combo.currentData()
        if source == FOLDER_SOURCE:
            if self.folder is None:
                raise UserError("Choose a folder of images first.")
            return list_image_files(self.folder)
        project, catalog = self.context.project, self.context.catalog
        if catalog is None:
            raise UserError("Open a project, or choose a folder of images.")
        if source == ALL_SOURCE:
            return all_image_paths(catalog, project)
        if source[0] == PREDICTED_SOURCE:
            return paths_with_prediction(catalog, project, *source[1:])
        return paths_with_label(catalog, project, *source)

    def config_from_form(self) -> GanConfig:
        config = GanConfig(arch=self.arch_combo.currentData(), resolution=self.res_combo.currentData(),
                           batch_size=self.batch_spin.value(), total_kimg=self.kimg_spin.value(),
                           preview_every_kimg=self.preview_spin.value(),
                           checkpoint_every_kimg=self.checkpoint_spin.value(),
                           base_channels=self.width_spin.value(), latent_dim=self.latent_spin.value(),
                           seed=self.seed_spin.value(), mirror=self.mirror_check.isChecked())
        config.preset = self._matching_preset(config)
        return config

    # -- presets and the plan --------------------------------------------------------------------
    def apply_preset(self, preset) -> None:
        """Fill the form's sizes from a preset (the architecture and data stay as chosen)."""
        self._applying = True
        try:
            self.width_spin.setValue(preset.base_channels)
            self.batch_spin.setValue(preset.batch_size)
            self.latent_spin.setValue(preset.latent_dim)
            self.kimg_spin.setValue(preset.total_kimg)
        finally:
            self._applying = False
        self.preset_box.mark(preset.key)
        self.update_plan()

    def _fill_form(self, config: GanConfig) -> None:
        """Show an opened run's settings on the form (a continued run keeps them)."""
        self._applying = True
        try:
            self.arch_combo.setCurrentIndex(max(0, self.arch_combo.findData(config.arch)))
            self.res_combo.setCurrentIndex(max(0, self.res_combo.findData(config.resolution)))
            for spin, value in ((self.width_spin, config.base_channels), (self.batch_spin, config.batch_size),
                                (self.latent_spin, config.latent_dim), (self.seed_spin, config.seed),
                                (self.kimg_spin, max(self.kimg_spin.minimum(), config.total_kimg)),
                                (self.preview_spin, config.preview_every_kimg)):
                spin.setValue(value)
            self.mirror_check.setChecked(config.mirror)
        finally:
            self._applying = False
        self.preset_box.show_run(config)

    @staticmethod
    def _matching_preset(config: GanConfig) -> str:
        from ganime_gui.core.gan.presets import PRESETS

        for key, p in PRESETS.items():
            if (p.base_channels, p.batch_size, p.latent_dim) == (
                    config.base_channels, config.batch_size, config.latent_dim):
                return key
        return ""

    def _on_size_edited(self, *_):
        if getattr(self, "_applying", False) or not hasattr(self, "preset_box"):
            return
        self.preset_box.mark(self._matching_preset(self.config_from_form()))
        self.update_plan()

    def estimate(self, config: GanConfig):
        from ganime_gui.core.gan.presets import estimate_speed
        from ganime_gui.core.tfsetup import cpu_count, gpu_names

        runs_dir = self.context.project.runs_dir if self.context.project else None
        return estimate_speed(config, len(gpu_names()), cpu_count(), runs_dir)

    def update_plan(self) -> None:
        if not self.is_running():
            config = self.config_from_form()
            self.preset_box.show_plan(config, self.estimate(config))

    def confirm_long_run(self, text: str) -> bool:
        """Asked before a run expected to take more than a day (tests replace it)."""
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(self, "A long GAN run", text + "\n\nStart it anyway?")
        return answer == QMessageBox.StandardButton.Yes

    def _cache_and_runs_dirs(self) -> tuple[Path, Path]:
        project = self.context.project
        if project is not None:
            return project.gan_cache_dir, project.runs_dir
        if self.folder is not None:  # no project: keep everything beside the chosen folder
            base = self.folder.parent / f"{self.folder.name}-gan"
            return base / "cache", base / "runs"
        raise UserError("Open a project, or choose a folder of images.")

    # -- running ---------------------------------------------------------------------------------
    def start_new_run(self) -> None:
        from ganime_gui.core.gan.train import GanTrainer, make_training_job

        if self.is_running():
            return
        try:
            paths = self.selected_paths()
            if not paths:
                raise UserError("The chosen images are empty: label some images or pick another source.")
            config = self.config_from_form()
            cache_dir, runs_dir = self._cache_and_runs_dirs()
        except UserError as exc:
            self.context.error("Cannot start the GAN", str(exc))
            return
        estimate = self.estimate(config)
        if self.preset_box.is_long(config, estimate) and not self.confirm_long_run(
                f"This run of {config.total_kimg:g} kimg would take {estimate.describe(config)}."):
            return
        run_dir = runs.new_run_dir(runs_dir, config)
        self._reset_view(run_dir)
        self.trainer = GanTrainer(config, None, run_dir, metrics=self.metrics_plan())
        self.run_record_id = runs.register_run(self.context.catalog, self.context.project, run_dir, config)
        self._start_job(make_training_job(self.trainer, paths, cache_dir), f"Preparing {len(paths)} images…")

    def continue_run(self) -> None:
        from ganime_gui.core.gan.train import GanTrainer, make_training_job, resume_config

        if self.is_running() or self.run_dir is None:
            return
        try:
            config = resume_config(self.run_dir, total_kimg=self.kimg_spin.value())
            data = runs.read_run_info(self.run_dir)["data"]
        except UserError as exc:
            self.context.error("Cannot continue the run", str(exc))
            return
        self.trainer = GanTrainer(config, data, self.run_dir, resume=True, metrics=self.metrics_plan())
        self._start_job(make_training_job(self.trainer), "Resuming from the latest checkpoint…")

    def _start_job(self, job, message: str) -> None:
        self.status_label.setText(message)
        self.worker = self.context.jobs.start(job, "GAN training", on_progress=self._on_progress,
                                              on_finished=self._on_finished, on_failed=self._on_failed,
                                              on_cancelled=self._on_cancelled)
        self.worker.ended.connect(self._on_ended)
        self._update_buttons()

    def stop(self) -> None:
        if self.worker is not None:
            self.status_label.setText("Stopping after this step and writing a checkpoint…")
            if self.trainer is not None:
                self.trainer.unpause()
            self.worker.cancel()

    def _on_pause_toggled(self, paused: bool) -> None:
        if paused and not self.is_running():  # Ctrl+P with nothing training
            self.pause_button.setChecked(False)
            return
        self.pause_button.setText("Resume" if paused else "Pause")
        if self.trainer is None or not self.is_running():
            return
        if paused:
            self.status_label.setText("Pausing after this step…")
            self.trainer.pause()
        else:
            self.trainer.unpause()

    def is_running(self) -> bool:
        return self.worker is not None and self.worker.is_running()

    def _update_buttons(self) -> None:
        running = self.is_running()
        has_ckpt = self.run_dir is not None and runs.latest_checkpoint(self.run_dir) is not None
        self.start_button.setEnabled(not running)
        self.continue_button.setEnabled(not running and has_ckpt)
        self.pause_button.setEnabled(running)
        self.stop_button.setEnabled(running)
        self.open_button.setEnabled(not running)
        self.interpolation_button.setEnabled(has_ckpt)
        self.export_generator_button.setEnabled(has_ckpt)
        self.score_button.setEnabled(has_ckpt)
        self.export_grid_button.setEnabled(bool(self.grids))
        if not running and self.pause_button.isChecked():
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(False)
            self.pause_button.setText("Pause")
            self.pause_button.blockSignals(False)

    # -- what the job reports --------------------------------------------------------------------
    def _on_progress(self, done: int, total: int, message: str, extra: dict) -> None:
        event = extra.get("event")
        if message and event != "step":  # step messages only repeat the kimg shown below
            self.status_label.setText(message)
        elif event == "step" and not self.status_label.text().startswith("Training"):
            self.status_label.setText("Training…")
        if "run_dir" in extra and self.run_dir is None:
            self.run_dir = Path(extra["run_dir"])
        if event == "reals":
            self._refresh_grids(show="reals")
        elif event in ("preview", "finished", "stopped", "paused", "checkpoint") or (
                extra.get("grid") and not self._has_grid(extra["grid"])):
            self._refresh_grids(show="latest" if self._following() else None)
        if "d_loss" in extra:
            for name, key in (("D", "d_loss"), ("G", "g_loss")):
                self.loss_plot.append(name, extra["kimg"], self._smoothed(name, extra[key]))
            self.stat_labels["losses"].setText(f"{extra['d_loss']:.3f} / {extra['g_loss']:.3f}")
        if "kimg" in extra:
            self._show_stats(extra)
        if event == "metric":
            self._on_metric(extra["metric"])
        if extra.get("checkpoint") and not self.interpolation_button.isEnabled():
            self._update_buttons()  # the first checkpoint enables interpolation and metrics
        if event in ("paused", "unpaused"):
            self.status_label.setText(message)
            self._update_buttons()

    def _smoothed(self, name: str, value: float) -> float:
        """An exponential moving average of a loss: single steps of a GAN swing too much to read."""
        previous = self._loss_ema.get(name)
        self._loss_ema[name] = value if previous is None else 0.9 * previous + 0.1 * value
        return self._loss_ema[name]

    def _show_stats(self, values: dict) -> None:
        total = values.get("total_kimg")
        kimg = values.get("kimg", 0.0)
        self.stat_labels["kimg"].setText(f"{kimg:.1f} kimg" + (f" of {total:g}" if total else ""))
        if values.get("sec_per_kimg"):
            self.stat_labels["sec_per_kimg"].setText(f"{values['sec_per_kimg']:.1f} s")
            self.stat_labels["img_per_s"].setText(f"{values['img_per_s']:.1f}")
        if "eta_s" in values:
            eta = values.get("eta_s")
            self.stat_labels["eta"].setText(format_duration(eta))
            if eta and eta > LONG_RUN_S and self.is_running():
                self.stat_labels["eta"].setText(f"{format_duration(eta)} (more than a day: consider "
                                                f"fewer kimg or the CPU preset)")
        p = values.get("augment_p")
        self.stat_labels["augment_p"].setText("off" if p is None else f"{p:.2f}")
        if values.get("checkpoint"):
            self.stat_labels["checkpoint"].setText(Path(values["checkpoint"]).name)

    def _on_finished(self, result) -> None:
        self.status_label.setText(f"Finished: {result.kimg:.1f} kimg, checkpoint {result.checkpoint.name}")
        self._close_run("finished", result.kimg)

    def _on_cancelled(self) -> None:
        ckpt = runs.latest_checkpoint(self.run_dir) if self.run_dir else None
        self.status_label.setText("Stopped; " + (f"checkpoint {ckpt.name} saved: Continue run goes on from it."
                                                 if ckpt else "nothing was saved yet."))
        self._close_run("stopped", runs.checkpoint_state(ckpt)["kimg"] if ckpt else None)

    def _on_failed(self, message: str) -> None:
        self.status_label.setText(message)
        self._close_run("failed", None)
        self.context.error("GAN training stopped", message)

    def _close_run(self, state: str, kimg: float | None) -> None:
        runs.close_run_record(self.context.catalog, self.run_record_id, state, kimg)

    def _on_ended(self) -> None:
        self._refresh_grids(show="latest" if self._following() else None)
        self._update_buttons()

    # -- grids -----------------------------------------------------------------------------------
    def _reset_view(self, run_dir: Path | None) -> None:
        self.run_dir = run_dir
        self.grids = []
        self._follow = True
        self._loss_ema: dict[str, float] = {}
        self.loss_plot.clear()
        self.metric_plot.clear()
        self.metric_plot.hide()
        self.metric_label.setText(NOT_SCORED)
        self.grid_view.set_path(None)
        self.grid_title.setText(run_dir.name if run_dir else "No run yet")
        for label in self.stat_labels.values():
            label.setText("–")
        self.grid_slider.blockSignals(True)
        self.grid_slider.setRange(0, 0)
        self.grid_slider.blockSignals(False)

    def _has_grid(self, path: str) -> bool:
        return any(str(p) == path for _, p in self.grids)

    def _following(self) -> bool:
        """True unless the user scrubbed back: then new grids arrive without moving the view."""
        return self._follow

    def _on_user_scrub(self, _action) -> None:
        # sliderPosition already holds the new position when actionTriggered fires.
        self._follow = self.grid_slider.sliderPosition() >= self.grid_slider.maximum()

    def _refresh_grids(self, show: str | None = None) -> None:
        if self.run_dir is None:
            return
        grids = []
        reals = self.run_dir / runs.REALS_NAME
        if reals.is_file():
            grids.append(("Real training images", reals))
        grids += [(f"Samples at {kimg} kimg (EMA generator, fixed latents)", path)
                  for kimg, path in runs.list_fake_grids(self.run_dir)]
        current = self.grid_slider.value()
        self.grids = grids
        self.grid_slider.blockSignals(True)
        self.grid_slider.setRange(0, max(0, len(grids) - 1))
        if show == "reals":
            self.grid_slider.setValue(0)
        elif show == "latest":
            self.grid_slider.setValue(len(grids) - 1)
        else:
            self.grid_slider.setValue(min(current, len(grids) - 1))
        self.grid_slider.blockSignals(False)
        self._show_grid_at(self.grid_slider.value())
        self.export_grid_button.setEnabled(bool(grids))

    def _show_grid_at(self, index: int) -> None:
        if not (0 <= index < len(self.grids)):
            return
        title, path = self.grids[index]
        if self.grid_view.set_path(path):
            self.grid_title.setText(f"{title}  ·  {index + 1}/{len(self.grids)}")

    def current_grid_path(self) -> Path | None:
        return self.grid_view.path

    # -- open a run ------------------------------------------------------------------------------
    def _ask_open_run(self) -> None:
        start = str(self.context.project.runs_dir) if self.context.project else ""
        folder = QFileDialog.getExistingDirectory(self, "Open a GAN run folder", start)
        if folder:
            self.open_run(folder)

    def open_run(self, folder: str | Path) -> None:
        """Show a past run (the GUI's or a headless one): grids, loss curves, metrics, last status."""
        folder = Path(folder)
        if not runs.is_run_dir(folder):
            self.context.error("Not a GAN run", f"{folder} has no {runs.RUN_CONFIG}: choose the folder a "
                                                f"run wrote (it holds fakes*.png and checkpoints/).")
            return
        self._reset_view(folder)
        self.trainer = None
        summary = runs.RunSummary(folder)
        config = summary.config
        for name, key in (("D", "d_loss"), ("G", "g_loss")):
            self.loss_plot.set_data(name, *summary.series(key))
        self.metric_plot.set_data("SWD ×10³", *summary.series("swd", records=summary.metrics))
        self.metric_plot.set_data("KID ×10³", *summary.series("kid", 1e3, records=summary.metrics))
        self.metric_plot.setVisible(bool(summary.metrics))
        if summary.metrics:
            self._show_metric_text(summary.metrics[-1])
        if summary.steps:
            last = summary.steps[-1]
            self._show_stats({**last, "total_kimg": config.total_kimg, "eta_s": None,
                              "augment_p": last.get("augment_p")})
            self.stat_labels["losses"].setText(f"{last['d_loss']:.3f} / {last['g_loss']:.3f}")
        self.stat_labels["checkpoint"].setText(summary.checkpoint.name if summary.checkpoint else "none")
        self.status_label.setText(summary.describe())
        self._fill_form(config)
        self._refresh_grids(show="latest")
        self._update_buttons()

    # -- exports and metrics ---------------------------------------------------------------------
    def _export_grid(self) -> None:
        path = self.current_grid_path()
        if path is None:
            return
        dest = self.ask_save_path("Export the grid", path.name, "PNG image (*.png)")
        if dest:
            shutil.copyfile(path, dest)
            self.context.status(f"Saved {Path(dest).name}")

    def _export_interpolation(self) -> None:
        from ganime_gui.core.gan.interpolate import make_interpolation_job

        if self.run_dir is None:
            return
        dest = self.ask_save_path("Export a latent interpolation", "interpolation.gif",
                                  "Animated GIF (*.gif);;Image strip (*.png)")
        if not dest:
            return
        self.context.jobs.start(make_interpolation_job(self.run_dir, dest), "Latent interpolation",
                                on_finished=lambda p: self.context.status(f"Saved {Path(p).name}"),
                                on_failed=lambda m: self.context.error("Interpolation failed", m))

    def dialog_dir(self, name: str = "") -> str:
        """Where file dialogs open: the project's exports folder (else the run's, else the
        chosen image folder's parent), with ``name`` as the suggested file."""
        project = self.context.project
        if project is not None:
            base = project.exports_dir
            base.mkdir(parents=True, exist_ok=True)
        elif self.run_dir is not None:
            base = self.run_dir
        elif self.folder is not None:
            base = self.folder.parent
        else:
            return name
        return str(base / name) if name else str(base)

    def _export_generator(self) -> None:
        from ganime_gui.core.gan.export import make_export_job

        if self.run_dir is None:
            return
        dest = self.ask_save_path("Export the generator", f"{self.run_dir.name}.keras", "Keras model (*.keras)")
        if not dest:
            return
        self.context.jobs.start(make_export_job(self.run_dir, dest, samples=64), "Export the generator",
                                on_finished=lambda p: self.context.status(
                                    f"Exported {Path(p).name} and 64 samples beside it"),
                                on_failed=lambda m: self.context.error("Export failed", m))

    def ask_save_path(self, title: str, name: str, filters: str) -> str:
        """A save dialog opening in :meth:`dialog_dir` (tests replace it)."""
        dest, _ = QFileDialog.getSaveFileName(self, title, self.dialog_dir(name), filters)
        return dest

    def _export_prepared(self, kind: str) -> None:
        from ganime_gui.core.gan.dataset import export_npy, export_png_folder, prepare_dataset

        try:
            if self.run_dir is not None and runs.is_run_dir(self.run_dir) and not self.is_running():
                paths, data = None, runs.read_run_info(self.run_dir)["data"]
            else:
                paths, data = self.selected_paths(), None
            cache_dir, _ = self._cache_and_runs_dirs() if paths is not None else (None, None)
        except UserError as exc:
            self.context.error("Cannot export", str(exc))
            return
        if kind == "npy":
            dest = self.ask_save_path("Export the prepared set", "gan-dataset.npy", "NumPy array (*.npy)")
        else:
            dest = QFileDialog.getExistingDirectory(self, "Export the prepared set as PNGs into", self.dialog_dir())
        if not dest:
            return
        resolution = self.res_combo.currentData()

        def job(progress, cancelled):
            source = data or prepare_dataset(paths, cache_dir, resolution, progress, cancelled).path
            if kind == "npy":
                return export_npy(source, dest)
            return export_png_folder(source, dest, progress, cancelled)

        self.context.jobs.start(job, "Export prepared set",
                                on_finished=lambda p: self.context.status(f"Exported to {p}"),
                                on_failed=lambda m: self.context.error("Export failed", m))

    def _on_metric_net_chosen(self, index: int) -> None:
        kind = self.metric_net_combo.itemData(index)
        if kind == "inception-graph":
            path, _ = QFileDialog.getOpenFileName(self, "The 2015-12-05 Inception graph", self.dialog_dir(),
                                                  "classify_image_graph_def.pb (*.pb)")
        elif kind == "keras-weights":
            path, _ = QFileDialog.getOpenFileName(self, "InceptionV3 weights (no top)", self.dialog_dir(),
                                                  "Keras weights (*.h5)")
        else:
            return
        if path:
            self.metric_files[kind] = path
        elif kind not in self.metric_files:
            self.metric_net_combo.setCurrentIndex(0)

    def metric_extractor_factory(self):
        """A factory for the chosen feature network (built in the job's thread, not here)."""
        from ganime_gui.core.gan.metrics import make_extractor

        kind = self.metric_net_combo.currentData()
        path = self.metric_files.get(kind)
        return lambda: make_extractor(kind, path)

    def metrics_plan(self):
        from ganime_gui.core.gan.metrics import MetricsPlan

        every = self.metric_every_spin.value()
        return MetricsPlan(self.metric_extractor_factory(), every, self.metric_samples.value()) if every else None

    def score_latest_checkpoint(self) -> None:
        from ganime_gui.core.gan.metrics import make_metrics_job

        if self.run_dir is None:
            return
        job = make_metrics_job(self.run_dir, self.metric_extractor_factory(), self.metric_samples.value())
        self.metric_label.setText("Scoring…")
        self.context.jobs.start(job, "GAN scores", on_progress=lambda d, t, m, e: self.metric_label.setText(m),
                                on_finished=lambda result: self._on_metric(result.to_dict()),
                                on_failed=lambda m: (self.metric_label.setText("Scoring failed"),
                                                     self.context.error("Scoring failed", m)))

    def _on_metric(self, record: dict) -> None:
        if record.get("swd") is not None:
            self.metric_plot.append("SWD ×10³", record["kimg"], record["swd"])
        if record.get("kid") is not None:
            self.metric_plot.append("KID ×10³", record["kimg"], record["kid"] * 1e3)
        self.metric_plot.show()
        self._show_metric_text(record)

    def _show_metric_text(self, r: dict) -> None:
        lines = []
        if r.get("swd") is not None:
            lines.append(f"SWD {r['swd']:.1f} ×10⁻³<br><small>{r.get('swd_label', '')}</small>")
        if r.get("kid") is not None:
            lines.append(f"KID {r['kid'] * 1e3:.2f} ± {r['kid_std'] * 1e3:.2f} ×10⁻³, FID {r['fid']:.2f}"
                         f"<br><small>{r['network']}, {r['fake_samples']} generated vs {r['real_samples']} "
                         f"real. Comparable with {r['comparable_with']}.</small>")
        if r.get("note"):
            lines.append(f"<small>{r['note']}</small>")
        self.metric_label.setText(f"At {r['kimg']:.1f} kimg: " + "<br>".join(lines))
