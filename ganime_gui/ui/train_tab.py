"""The Train tab: train a classifier on a label set, watch it learn, and clean the rest of the data with it.

All the work is ``ganime_gui.core.classify`` (``workflow`` for the project-level jobs); this tab
wires its widgets (``ui/train/``) to those jobs: the settings form, the run controls and live
plots, the project's models, the evaluation of the loaded model (with its review grid, where keys
1-9 relabel as in the Sort tab), Apply (scores stored in the catalog for the Sort tab's queues)
and Split into folders. On a label set of reject reasons plus a clean class it can train one
classifier per reason instead (``core.classify.reasons``; ``ReasonsView`` shows the held-out
result). Jobs report typed events (``core.classify.train``, ``.apply``, ``.reasons``), matched here
with ``isinstance``; keys come from ``ui/train_keys.py``. On opening a project the tab shows the
project's last model and last reason classifiers.
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QSizePolicy, QSplitter, QTabWidget, QWidget

from ganime_gui.core.classify import models as model_files
from ganime_gui.core.classify.apply import ApplyProgress
from ganime_gui.core.classify.evaluation import describe
from ganime_gui.core.classify.reasons import ReasonStarted, describe_clean, latest_reason_group
from ganime_gui.core.classify.train import BatchEnd, EpochEnd
from ganime_gui.core.classify.workflow import (Scores, delete_project_model, last_model,
                                               make_project_apply_job, make_project_reasons_job,
                                               make_project_train_job,
                                               rename_project_model, stored_scores)
from ganime_gui.core.jobs import UserError
from ganime_gui.ui import settings as app_settings_mod
from ganime_gui.ui.context import AppContext
from ganime_gui.ui.keys import DigitRouter, make_actions
from ganime_gui.ui.train.evaluation_view import EvaluationView
from ganime_gui.ui.train.form import TrainForm
from ganime_gui.ui.train.model_list import ApplyBox, ModelList
from ganime_gui.ui.train.reasons_view import ReasonsView
from ganime_gui.ui.train.run_view import RunControls, TrainingPlots
from ganime_gui.ui.train.split_view import SplitView
from ganime_gui.ui.train_keys import KEYS
from ganime_gui.ui.widgets.side_panel import side_panel

log = logging.getLogger("ganime.ui.train")


class TrainTab(QWidget):
    KEYS = KEYS

    def __init__(self, context: AppContext, parent=None):
        super().__init__(parent)
        self.context = context
        self.train_worker = None
        self.training_model_name = ""
        self.training_per_reason = False
        self.apply_worker = None
        self.current_model: model_files.ModelInfo | None = None
        self._build()
        context.project_changed.connect(self._on_project_changed)
        context.labels_changed.connect(self._refresh_counts)
        self._on_project_changed(context.project)

    def _build(self) -> None:
        self.form = TrainForm(app_settings_mod.app_settings())
        self.form.label_set_changed.connect(self._refresh_counts)
        self.run = RunControls()
        self.run.train_button.clicked.connect(self.start_training)
        self.run.stop_button.clicked.connect(self.stop_training)
        self.models = ModelList()
        self.models.list.currentItemChanged.connect(self._update_buttons)
        self.models.load_requested.connect(self.load_model)
        self.models.rename_requested.connect(self.rename_model)
        self.models.delete_requested.connect(self.delete_model)
        self.apply_box = ApplyBox()
        self.apply_box.apply_requested.connect(self.start_apply)
        scroll = side_panel(self.form, self.run, self.models, self.apply_box, min_width=340)
        for combo in scroll.widget().findChildren(QComboBox):
            # Long backbone names must not widen the column past the scroll area (clipped buttons).
            combo.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            combo.setMinimumWidth(120)
        self.plots = TrainingPlots()
        self.evaluation = EvaluationView(self.context.jobs)
        grid = self.evaluation.review_grid
        self.actions = make_actions(grid, KEYS, {"relabel": self.relabel_selected})
        self.digits = DigitRouter(KEYS, self.actions, self)
        self.digits.enabled = lambda: bool(grid.selectedItems())  # no selection: the grid's own keys
        self.digits.watch(grid)
        self.split_view = SplitView(self.context)
        self.reasons_view = ReasonsView()
        self.results = QTabWidget()
        self.results.addTab(self.evaluation, "Evaluation")
        self.results.addTab(self.split_view, "Split into folders")
        self.results.addTab(self.reasons_view, "One per reason")
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.plots)
        right.addWidget(self.results)
        right.setStretchFactor(0, 2)
        right.setStretchFactor(1, 3)
        layout = QHBoxLayout(self)
        layout.addWidget(scroll)
        layout.addWidget(right, 1)

    def set_form(self, **kwargs) -> None:
        """Fill the settings form (scripts, tests, the demo): see ``TrainForm.set_form``."""
        self.form.set_form(**kwargs)

    # -- project ---------------------------------------------------------------------------------
    def _on_project_changed(self, project) -> None:
        catalog = self.context.catalog
        names = [ls.name for ls in catalog.label_sets()] if catalog else []
        self.form.set_label_sets(names)
        self.current_model = None
        self.plots.clear()
        self.split_view.set_scores(None)
        self.evaluation.show_model(None)
        self.reasons_view.show_group(latest_reason_group(project.models_dir) if project is not None else None)
        self.refresh_models()
        last = last_model(project, catalog) if project is not None and catalog is not None else None
        if last is not None:
            self.form.fill_from(last.meta)
            self.show_model(last)
            self.refresh_models(select=last.name)
        self._refresh_counts()
        self._update_buttons()

    def _refresh_counts(self, *_args) -> None:
        catalog, name = self.context.catalog, self.form.label_set()
        if catalog is None or not name:
            self.form.counts_label.setText("Open a project and label images in the Sort tab.")
            self.form.set_classes(())
            return
        counts = catalog.label_counts(name)
        ls = catalog.label_set(name)
        self.form.set_classes(ls.classes if ls is not None else ())
        self.form.counts_label.setText("  ·  ".join(f"{c}: {n}" for c, n in counts.items()) or "no classes")

    # -- training --------------------------------------------------------------------------------
    def is_training(self) -> bool:
        return self.train_worker is not None and self.train_worker.is_running()

    def start_training(self) -> None:
        project = self.context.project
        if project is None:
            self.context.error("No project", "Open or create a project first.")
            return
        try:
            config = self.form.config()
        except UserError as exc:
            self.context.error("Cannot train", str(exc))
            return
        self.plots.clear()
        self.run.reset()
        self.run.status_label.setText("Starting…")
        label_set = self.form.label_set()
        # Named here: a stopped run still saves its best epoch, but the worker layer reports a job
        # stopped by the user as cancelled (without its result), so the tab finds the model by name.
        self.training_model_name = model_files.default_model_name(label_set, config.backbone)
        self.training_per_reason = self.form.one_per_reason()
        if self.training_per_reason:
            job = make_project_reasons_job(project, label_set, config, name_prefix=self.training_model_name)
            title, finished = "Reason classifiers", self._on_reasons_finished
            self.reasons_view.show_group(None, "Starting…")
            self.results.setCurrentWidget(self.reasons_view)
        else:
            job = make_project_train_job(project, label_set, config, model_name=self.training_model_name)
            title, finished = "Classifier training", self._on_train_finished
        self.train_worker = self.context.jobs.start(
            job, title, on_progress=self._on_train_progress, on_finished=finished,
            on_failed=self._on_train_failed, on_cancelled=self._on_train_cancelled)
        self.train_worker.ended.connect(self._on_job_ended)
        self._update_buttons()

    def stop_training(self) -> None:
        if self.train_worker is not None:
            self.run.status_label.setText("Stopping after this batch; saving the best epoch so far…")
            self.train_worker.cancel()

    def _on_train_progress(self, done: int, total: int, message: str, extra: dict) -> None:
        event = extra.get("event")
        if isinstance(event, ReasonStarted):  # the next reason's classifier: plots start afresh
            self.plots.clear()
            self.reasons_view.show_training(event.reason, event.index, event.count)
        elif isinstance(event, BatchEnd):
            self.plots.add_batch(event)
            self.run.queue_batch(done, total, message, event)
            return
        self.run.show_progress(done, total, message, event)
        if isinstance(event, EpochEnd):
            self.plots.add_epoch(event)

    def _on_train_finished(self, result) -> None:
        info = model_files.read_model_info(result.model_path)
        how = "Stopped; best epoch so far saved" if result.stopped else "Trained"
        lines = describe(result.evaluation)
        skipped = f" {len(result.skipped)} unreadable images skipped." if result.skipped else ""
        self.run.status_label.setText(f"{how}: {result.model_path.name}. " + ". ".join(lines) + skipped)
        self.refresh_models(select=info.name)
        self.show_model(info, replot=False)

    def _on_reasons_finished(self, result) -> None:
        """One classifier per reason: the list shows them all, the last one is loaded, and the
        held-out result per reason and combined is shown."""
        self.run.status_label.setText(describe_clean(result.holdout))
        self.reasons_view.show_group({"label_set": result.label_set, "clean_class": result.clean_class,
                                      "holdout": result.holdout})
        last = model_files.read_model_info(list(result.models.values())[-1].model_path)
        self.refresh_models(select=last.name)
        self.show_model(last, replot=False)
        self.results.setCurrentWidget(self.reasons_view)

    def _on_train_failed(self, message: str) -> None:
        self.run.status_label.setText(message)
        self.context.error("Training stopped", message)

    def _on_train_cancelled(self) -> None:
        # A stop after an epoch finishes with the best model (see _on_train_finished); the job
        # only raises JobCancelled when no epoch had ended.
        if self.training_per_reason:
            self.run.status_label.setText("Stopped: the reasons' classifiers trained so far are in the "
                                          "model list; there is no combined verdict.")
            self.reasons_view.show_group(None, "Stopped before every reason had its classifier.")
            self.refresh_models()
        else:
            self.run.status_label.setText("Stopped before the first epoch ended: nothing was saved.")

    def _on_job_ended(self) -> None:
        self.plots.redraw()
        self.run.finish(self.current_model is not None)
        self._update_buttons()

    # -- models ----------------------------------------------------------------------------------
    def refresh_models(self, select: str | None = None) -> None:
        project = self.context.project
        self.models.set_models(model_files.list_models(project.models_dir) if project else [], select)
        self._update_buttons()

    def load_model(self, name: str) -> None:
        if self.context.project is not None:
            info = model_files.find_model(self.context.project.models_dir, name)
            self.form.fill_from(info.meta)
            self.show_model(info)

    def show_model(self, info: model_files.ModelInfo, replot: bool = True) -> None:
        """Show a model's settings, history, evaluation and (if it has any) its stored predictions."""
        self.current_model = info
        if replot:
            self.plots.show_history(info.meta.get("history", []))
        self.evaluation.show_model(info)
        self.split_view.set_classes(info.class_names)
        project = self.context.project
        self.split_view.default_folder = project.exports_dir / info.name if project is not None else None
        self.split_view.set_scores(self._stored_scores(info.name))
        self._update_buttons()

    def _stored_scores(self, name: str) -> Scores | None:
        catalog, project = self.context.catalog, self.context.project
        return stored_scores(project, catalog, name) if catalog is not None and project is not None else None

    def rename_model(self, old: str, new: str) -> None:
        try:
            info = rename_project_model(self.context.project, old, new)
        except UserError as exc:
            self.context.error("Cannot rename the model", str(exc))
            return
        if self.current_model is not None and self.current_model.name == old:
            self.current_model = info
            self.evaluation.set_title(info.summary())
        self.refresh_models(select=info.name)

    def delete_model(self, name: str) -> None:
        try:
            delete_project_model(self.context.project, name)
        except UserError as exc:
            self.context.error("Cannot delete the model", str(exc))
            return
        if self.current_model is not None and self.current_model.name == name:
            self.current_model = None
            self.evaluation.show_model(None, "No model loaded.")
            self.split_view.set_scores(None)
        self.refresh_models()
        self.context.predictions_changed.emit()

    def relabel_selected(self, digit: int) -> None:
        """Keys 1-9 on the review grid: label its selected images with that class, undoable in the
        Sort tab."""
        paths = self.evaluation.review_grid.selected_paths()
        catalog, project, info = self.context.catalog, self.context.project, self.current_model
        if catalog is None or info is None or not info.label_set:
            return
        ls = catalog.label_set(info.label_set)
        if ls is None or digit > len(ls.classes):
            return
        inside = [project.relpath(p) for p in paths if Path(p).is_relative_to(project.root)]
        ids = catalog.file_ids_for_paths(inside)
        if ids:
            catalog.apply_label_changes(info.label_set, list(ids.values()), ls.classes[digit - 1])
            self.context.labels_changed.emit()
            self.context.status(f"Labelled {len(ids)} image(s) “{ls.classes[digit - 1]}”", 3000)

    # -- apply -----------------------------------------------------------------------------------
    def start_apply(self, unlabelled_only: bool = False) -> None:
        if self.context.project is None or self.current_model is None:
            self.context.error("No model loaded", "Train a model or load one from the list first.")
            return
        job = make_project_apply_job(self.context.project, self.current_model.name,
                                     unlabelled_only=unlabelled_only)
        self.apply_box.label.setText("Loading the model…")
        self.apply_worker = self.context.jobs.start(
            job, "Apply classifier", on_progress=self._on_apply_progress, on_finished=self._on_apply_finished,
            on_failed=self._on_apply_failed, on_cancelled=lambda: self.apply_box.label.setText("Stopped."))
        self.apply_worker.ended.connect(self._update_buttons)
        self._update_buttons()

    def _on_apply_progress(self, done: int, total: int, message: str, extra: dict) -> None:
        if isinstance(extra.get("event"), ApplyProgress):
            self.apply_box.show_progress(done, total, message)

    def _on_apply_finished(self, outcome) -> None:
        r = outcome.result
        corrupt = f"; {len(r.failed)} unreadable images marked corrupt" if r.failed else ""
        self.apply_box.label.setText(f"Stored {outcome.stored} predictions{corrupt}")
        self.split_view.set_scores(Scores(list(r.paths), r.probabilities, list(r.class_names)))
        self.context.predictions_changed.emit()
        self.results.setCurrentIndex(1)

    def _on_apply_failed(self, message: str) -> None:
        self.apply_box.label.setText(message)
        self.context.error("Apply stopped", message)

    def _update_buttons(self, *_args) -> None:
        training = self.is_training()
        applying = self.apply_worker is not None and self.apply_worker.is_running()
        self.run.train_button.setEnabled(self.context.project is not None and not training)
        self.run.stop_button.setEnabled(training)
        self.models.set_enabled(training, applying)
        self.apply_box.button.setEnabled(self.current_model is not None and not applying)
