"""The GAN tab: pick the training images, start / pause / stop a run and watch its samples improve.

All the work is ``ganime_gui.core.gan``; this tab wires its widgets (``ui/gan/``) to it: the
settings column (images, the machine's preset and the plan, the model), the grid browser, the
progress figures, loss curves and scores. It builds a ``GanConfig`` from the form, runs the
training job through the worker layer and matches the job's typed events (``core/gan/events``).
A past run folder (the GUI's or a headless ``ganime train-gan`` run) opens the same way and can
be continued; after a restart the project's last run is shown.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QFileDialog, QHBoxLayout, QMessageBox, QPushButton, QSplitter, QVBoxLayout,
                               QWidget)

from ganime_gui.core.gan import events, runs
from ganime_gui.core.gan.config import GanConfig
from ganime_gui.core.gan.dataset import list_image_files
from ganime_gui.core.gan.presets import matching_preset
from ganime_gui.core.jobs import UserError
from ganime_gui.ui.context import AppContext
from ganime_gui.ui.gan.exports import RunExports
from ganime_gui.ui.gan.forms import ModelBox, SourceBox
from ganime_gui.ui.gan.grid_browser import GridBrowser
from ganime_gui.ui.gan.panels import LossCurves, ProgressPanel, ScoresPanel, plots_column
from ganime_gui.ui.gan.preset_box import PresetBox
from ganime_gui.ui.widgets.side_panel import side_panel


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
        self._build()
        context.project_changed.connect(self._on_project_changed)
        # Counts change as the Sort tab labels, a crawl downloads and a classifier predicts.
        for signal in (context.labels_changed, context.files_changed, context.predictions_changed):
            signal.connect(self._fill_sources)
        self._on_project_changed(context.project)
        self._update_buttons()
        QShortcut(QKeySequence("Ctrl+Return"), self, self.start_new_run)
        QShortcut(QKeySequence("Ctrl+P"), self, self.pause_button.toggle)
        QShortcut(QKeySequence("Ctrl+."), self, self.stop)

    # -- layout ----------------------------------------------------------------------------------
    def _build(self) -> None:
        from ganime_gui.core.gan.presets import machine_choice

        self.sources = SourceBox()
        self.sources.folder_wanted.connect(self._ask_folder)
        self.preset_box = PresetBox(machine_choice())
        self.preset_box.preset_chosen.connect(self.apply_preset)
        self.model_box = ModelBox()
        self.model_box.edited.connect(self._on_size_edited)
        self.sources.res_combo.currentIndexChanged.connect(self._on_size_edited)
        self.progress_panel = ProgressPanel()
        self.grid = GridBrowser()
        self.exports = RunExports(self)
        self.sources.export_wanted.connect(self.exports.prepared_set)
        self.grid.export_grid_button.clicked.connect(self.exports.grid)
        self.grid.interpolation_button.clicked.connect(self.exports.interpolation)
        self.grid.export_generator_button.clicked.connect(self.exports.generator)
        self.loss_plot = LossCurves()
        self.scores = ScoresPanel()
        self.scores.score_requested.connect(self.score_latest_checkpoint)
        self.scores.network_chosen.connect(self.exports.ask_network_file)
        # The widgets the tests, tools and the benchmark reach for by name.
        src, mb, pp, gb, sc = self.sources, self.model_box, self.progress_panel, self.grid, self.scores
        self.source_combo, self.res_combo, self.mirror_check = src.combo, src.res_combo, src.mirror_check
        self.arch_combo, self.batch_spin, self.kimg_spin = mb.arch_combo, mb.batch_spin, mb.kimg_spin
        (self.preview_spin, self.checkpoint_spin,
         self.width_spin) = mb.preview_spin, mb.checkpoint_spin, mb.width_spin
        self.latent_spin, self.seed_spin = mb.latent_spin, mb.seed_spin
        self.stat_labels, self.status_label = pp.labels, pp.status
        self.grid_view, self.grid_slider, self.grid_title = gb.view, gb.slider, gb.title
        self.interpolation_button, self.export_grid_button = gb.interpolation_button, gb.export_grid_button
        self.export_generator_button = gb.export_generator_button
        self.metric_plot, self.metric_label, self.score_button = sc.plot, sc.label, sc.score_button
        self.metric_samples, self.metric_every_spin = sc.samples, sc.every_spin
        self.apply_preset(self.preset_box.choice.preset)
        scroll = side_panel(self.sources, self.preset_box, self.model_box, self._run_buttons(),
                            self.progress_panel, max_width=380)
        right = QSplitter(Qt.Orientation.Horizontal)
        right.addWidget(self.grid)
        right.addWidget(plots_column((self.loss_plot, 3), (self.scores.plot, 2), (self.scores.box, 0)))
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(right, 1)

    def _run_buttons(self) -> QVBoxLayout:
        rows = QVBoxLayout()
        self.start_button = QPushButton("Start new run")
        self.continue_button = QPushButton("Continue run")
        self.continue_button.setToolTip("Resume the open run from its latest checkpoint")
        self.pause_button = QPushButton("Pause")
        self.pause_button.setCheckable(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop after this step; a checkpoint is written so it can continue")
        self.open_button = QPushButton("Open run…")
        self.start_button.clicked.connect(self.start_new_run)
        self.continue_button.clicked.connect(self.continue_run)
        self.pause_button.toggled.connect(self._on_pause_toggled)
        self.stop_button.clicked.connect(self.stop)
        self.open_button.clicked.connect(self._ask_open_run)
        for pair in ((self.start_button, self.continue_button), (self.pause_button, self.stop_button)):
            row = QHBoxLayout()
            for w in pair:
                row.addWidget(w)
            rows.addLayout(row)
        rows.addWidget(self.open_button)
        return rows

    # -- data selection --------------------------------------------------------------------------
    def _on_project_changed(self, project) -> None:
        self._fill_sources()
        # The funnel's clean set when there is one, else the seed's clean class by hand.
        for preferred in (("clean", "chibi", "not_chibi"), ("label", "chibi", "not_chibi")):
            if self.sources.prefer(preferred):
                break
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
        self.sources.fill(self.context.catalog, self.context.project)

    @property
    def folder(self) -> Path | None:
        return self.sources.folder

    def _ask_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Train on the images in a folder", self.dialog_dir())
        if folder:
            self.set_folder(folder)

    def set_folder(self, folder: str | Path) -> None:
        folder = Path(folder)
        try:
            text = f"{len(list_image_files(folder))} images in {folder.name}"
        except UserError as exc:
            text = str(exc)
        self.sources.show_folder(folder, text, self.context.catalog, self.context.project)

    def selected_paths(self) -> list[Path]:
        from ganime_gui.core.gan.selection import selected_paths

        return selected_paths(self.context.catalog, self.context.project, self.sources.current(), self.folder)

    def config_from_form(self) -> GanConfig:
        config = self.model_box.config(self.res_combo.currentData(), self.mirror_check.isChecked())
        config.preset = matching_preset(config)
        return config

    def cache_and_runs_dirs(self) -> tuple[Path, Path]:
        project = self.context.project
        if project is not None:
            return project.gan_cache_dir, project.runs_dir
        if self.folder is not None:  # no project: keep everything beside the chosen folder
            base = self.folder.parent / f"{self.folder.name}-gan"
            return base / "cache", base / "runs"
        raise UserError("Open a project, or choose a folder of images.")

    # -- presets and the plan --------------------------------------------------------------------
    def apply_preset(self, preset) -> None:
        """Fill the form's sizes from a preset (the architecture and data stay as chosen)."""
        self.model_box.apply_preset(preset)
        self.preset_box.mark(preset.key)
        self.update_plan()

    def _on_size_edited(self, *_) -> None:
        self.preset_box.mark(matching_preset(self.config_from_form()))
        self.update_plan()

    def estimate(self, config: GanConfig):
        return self.preset_box.estimate(config,
                                        self.context.project.runs_dir if self.context.project else None)

    def update_plan(self) -> None:
        if not self.is_running():
            config = self.config_from_form()
            self.preset_box.show_plan(config, self.estimate(config))

    def confirm_long_run(self, text: str) -> bool:
        """Asked before a run expected to take more than a day (tests replace it)."""
        answer = QMessageBox.question(self, "A long GAN run", text + "\n\nStart it anyway?")
        return answer == QMessageBox.StandardButton.Yes

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
            cache_dir, runs_dir = self.cache_and_runs_dirs()
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
        for button in (self.interpolation_button, self.export_generator_button, self.score_button):
            button.setEnabled(has_ckpt)
        self.export_grid_button.setEnabled(bool(self.grids))
        if not running and self.pause_button.isChecked():
            self.pause_button.blockSignals(True)
            self.pause_button.setChecked(False)
            self.pause_button.setText("Pause")
            self.pause_button.blockSignals(False)

    # -- what the job reports --------------------------------------------------------------------
    def _on_progress(self, done: int, total: int, message: str, extra: dict) -> None:
        event = extra.get("event")
        stepped = isinstance(event, events.StepDone)
        if message and not stepped:  # step messages only repeat the kimg shown below
            self.status_label.setText(message)
        elif stepped and not self.status_label.text().startswith("Training"):
            self.status_label.setText("Training…")
        if isinstance(event, events.RunStarted) and self.run_dir is None:
            self.run_dir = Path(event.run_dir)
        if not isinstance(event, events.GanEvent):
            return
        status = event.status
        if isinstance(event, events.RealsSaved):
            self.grid.refresh(show="reals")
        elif isinstance(event, (events.PreviewSaved, events.Finished, events.Stopped, events.Paused,
                                events.CheckpointSaved)) or (status.grid and not self.grid.has(status.grid)):
            self.grid.refresh_following()
        if stepped:
            self.loss_plot.add_step(status.kimg, event.d_loss, event.g_loss)
            self.progress_panel.show_losses(event.d_loss, event.g_loss)
        self.progress_panel.show_values(dataclasses.asdict(status))
        if stepped:
            self.preset_box.show_running(status)
        if isinstance(event, events.Scored):
            self.scores.add(event.metric)
        if status.checkpoint and not self.interpolation_button.isEnabled():
            self._update_buttons()  # the first checkpoint enables interpolation, export and scores
        if isinstance(event, (events.Paused, events.Resumed)):
            self.status_label.setText(message)
            self._update_buttons()

    def _on_finished(self, result) -> None:
        self.status_label.setText(f"Finished: {result.kimg:.1f} kimg, checkpoint {result.checkpoint.name}")
        runs.close_run_record(self.context.catalog, self.run_record_id, "finished", result.kimg)

    def _on_cancelled(self) -> None:
        ckpt = runs.latest_checkpoint(self.run_dir) if self.run_dir else None
        self.status_label.setText("Stopped; " + (
            f"checkpoint {ckpt.name} saved: Continue run goes on from it." if ckpt
            else "nothing was saved yet."))
        runs.close_run_record(self.context.catalog, self.run_record_id, "stopped",
                              runs.checkpoint_state(ckpt)["kimg"] if ckpt else None)

    def _on_failed(self, message: str) -> None:
        self.status_label.setText(message)
        runs.close_run_record(self.context.catalog, self.run_record_id, "failed", None)
        self.context.error("GAN training stopped", message)

    def _on_ended(self) -> None:
        self.grid.refresh_following()
        self._update_buttons()

    # -- a run in view ---------------------------------------------------------------------------
    @property
    def grids(self) -> list[tuple[str, Path]]:
        return self.grid.grids

    def current_grid_path(self) -> Path | None:
        return self.grid.current_path()

    def _reset_view(self, run_dir: Path | None) -> None:
        self.run_dir = run_dir
        self.grid.reset(run_dir)
        self.loss_plot.reset()
        self.scores.reset()
        self.progress_panel.reset()

    def _ask_open_run(self) -> None:
        start = str(self.context.project.runs_dir) if self.context.project else ""
        folder = QFileDialog.getExistingDirectory(self, "Open a GAN run folder", start)
        if folder:
            self.open_run(folder)

    def open_run(self, folder: str | Path) -> None:
        """Show a past run (the GUI's or a headless one): grids, loss curves, scores, settings, last
        status."""
        folder = Path(folder)
        if not runs.is_run_dir(folder):
            self.context.error("Not a GAN run", f"{folder} has no {runs.RUN_CONFIG}: choose the folder a "
                                                f"run wrote (it holds fakes*.png and checkpoints/).")
            return
        self._reset_view(folder)
        self.trainer = None
        summary = runs.RunSummary(folder)
        for name, key in (("D", "d_loss"), ("G", "g_loss")):
            self.loss_plot.set_data(name, *summary.series(key))
        self.scores.load(summary.metrics)
        if summary.steps:
            last = summary.steps[-1]
            self.progress_panel.show_values({**last, "total_kimg": summary.config.total_kimg, "eta_s": None})
            self.progress_panel.show_losses(last["d_loss"], last["g_loss"])
        self.stat_labels["checkpoint"].setText(summary.checkpoint.name if summary.checkpoint else "none")
        self.status_label.setText(summary.describe())
        self.model_box.fill(summary.config)
        self.preset_box.show_run(summary.config)
        self.grid.refresh(show="latest")
        self._update_buttons()

    # -- exports and scores ----------------------------------------------------------------------
    def dialog_dir(self, name: str = "") -> str:
        return self.exports.dialog_dir(name)

    def ask_save_path(self, title: str, name: str, filters: str) -> str:
        """A save dialog opening in the project's exports folder (tests replace it)."""
        return QFileDialog.getSaveFileName(self, title, self.dialog_dir(name), filters)[0]

    def metric_extractor_factory(self):
        """A factory for the chosen feature network (built in the job's thread, not here)."""
        from ganime_gui.core.gan.metrics import make_extractor

        kind = self.scores.net_combo.currentData()
        path = self.scores.files.get(kind)
        return lambda: make_extractor(kind, path)

    def metrics_plan(self):
        from ganime_gui.core.gan.metrics import MetricsPlan

        every = self.metric_every_spin.value()
        return (MetricsPlan(self.metric_extractor_factory(), every, self.metric_samples.value())
                if every else None)

    def score_latest_checkpoint(self) -> None:
        from ganime_gui.core.gan.metrics import make_metrics_job

        if self.run_dir is None:
            return
        job = make_metrics_job(self.run_dir, self.metric_extractor_factory(), self.metric_samples.value())
        self.metric_label.setText("Scoring…")
        self.context.jobs.start(job, "GAN scores",
                                on_progress=lambda d, t, m, e: self.metric_label.setText(m),
                                on_finished=lambda result: self.scores.add(result.to_dict()),
                                on_failed=lambda m: (self.metric_label.setText("Scoring failed"),
                                                     self.context.error("Scoring failed", m)))
