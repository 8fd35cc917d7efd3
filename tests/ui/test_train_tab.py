"""The Train tab: live plots during a run, results after it, Stop, models list, Apply and Split."""
from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import Qt

from ganime_gui.fakebooru.fixtures import labelled_figure_project
from ganime_gui.ui.train_tab import TrainTab

from ui_helpers import close_tab, open_tab


@pytest.fixture
def tab(qtbot, tmp_path):
    project, _ = labelled_figure_project(tmp_path, 64, 3, labelled=48)
    widget = open_tab(qtbot, TrainTab, project, size=(1280, 800))
    widget.set_form(label_set="chibi", backbone="tiny_cnn", weights="none", size=48, batch=8)
    yield widget
    close_tab(widget)


def wait_for_run(qtbot, tab, timeout=120_000):
    qtbot.waitUntil(lambda: tab.train_worker is not None and not tab.train_worker.is_running(), timeout=timeout)
    qtbot.waitUntil(lambda: tab.train_button.isEnabled(), timeout=5000)


def test_plots_receive_points_while_training_runs(tab, qtbot):
    tab.epochs_spin.setValue(3)
    snapshots = []
    tab.train_button.click()
    assert tab.stop_button.isEnabled() and not tab.train_button.isEnabled()

    def on_progress(done, total, message, extra):
        if extra.get("phase") == "epoch":  # runs after the tab's own slot (connected first)
            snapshots.append((extra["epoch"], tab.train_worker.is_running(),
                              len(tab.acc_plot.series("train (batch)")[0]),
                              len(tab.loss_plot.series("validation")[0])))

    tab.train_worker.progress.connect(on_progress)
    wait_for_run(qtbot, tab)
    assert [s[0] for s in snapshots] == [1, 2, 3]
    meta = tab.current_model.meta
    batches = -(-meta["n_train"] // 8)
    epoch, running, batch_points, val_points = snapshots[0]
    assert running and batch_points == batches and val_points == 1  # drawn while the run goes on
    xs, ys = tab.acc_plot.series("train (batch)")
    assert len(xs) == 3 * batches and xs == sorted(xs) and all(0 <= y <= 1 for y in ys)
    assert len(tab.acc_plot.series("validation")[0]) == 3
    assert "Trained" in tab.status_label.text()
    # results: the confusion matrix covers the validation set; the review grid lists images
    n = sum(int(tab.confusion_table.item(i, j).text()) for i in range(2) for j in range(2))
    assert n == meta["n_val"] == tab.review_grid.count() and meta["n_train"] + n == 48
    assert tab.models_list.count() == 1 and tab.current_model is not None
    assert "Per-class accuracy: chibi" in tab.per_class_label.text()


def test_stop_mid_run_keeps_a_loadable_model(tab, qtbot):
    tab.epochs_spin.setValue(200)
    tab.train_button.click()
    worker = tab.train_worker
    qtbot.waitUntil(lambda: len(tab.loss_plot.series("validation")[0]) >= 1, timeout=60_000)
    tab.stop_button.click()
    wait_for_run(qtbot, tab)
    assert worker.is_cancelling
    assert "best epoch so far saved" in tab.status_label.text()
    assert tab.models_list.count() == 1
    from ganime_gui.core.classify.models import load_keras_model

    model = load_keras_model(tab.current_model.path)
    assert model.output_shape == (None, 2)


def test_apply_stores_predictions_and_split_shows_the_threshold(tab, qtbot, tmp_path):
    tab.epochs_spin.setValue(2)
    tab.train_button.click()
    wait_for_run(qtbot, tab)
    changed = []
    tab.context.predictions_changed.connect(lambda: changed.append(1))
    tab.apply_scope.setCurrentIndex(1)  # unlabelled: 16 images
    tab.apply_button.click()
    qtbot.waitUntil(lambda: bool(changed), timeout=60_000)
    assert tab.scores is not None and len(tab.scores[0]) == 16
    record = tab.context.catalog.model_record(tab.current_model.name)
    assert len(tab.context.catalog.predictions_of(record.id)) == 16
    qtbot.waitUntil(lambda: tab.near_grid.count() == 16, timeout=5000)
    tab.threshold_slider.setValue(90)
    qtbot.waitUntil(lambda: "0.90" in tab.threshold_label.text() and tab.near_grid.count() == 16, timeout=5000)
    scores = [float(tab.near_grid.item(i).text().split()[-1]) for i in range(tab.near_grid.count())]
    assert np.all(np.diff(np.abs(np.array(scores) - 0.9)) >= -0.006)  # nearest the threshold first
    worker = tab.split_to(tmp_path / "split")
    qtbot.waitUntil(lambda: not worker.is_running(), timeout=30_000)
    placed = sum(len(os.listdir(tmp_path / "split" / d)) for d in os.listdir(tmp_path / "split"))
    assert placed == 16


def test_rename_and_delete_models_and_relabel_from_the_review_grid(tab, qtbot):
    tab.epochs_spin.setValue(1)
    tab.train_button.click()
    wait_for_run(qtbot, tab)
    relabelled = []
    tab.context.labels_changed.connect(lambda: relabelled.append(1))
    item = tab.review_grid.item(0)
    item.setSelected(True)
    qtbot.keyClick(tab.review_grid, Qt.Key.Key_2)  # the second class of "chibi": not_chibi
    catalog, project = tab.context.catalog, tab.context.project
    file_id = catalog.file_ids_for_paths([project.relpath(item.data(Qt.ItemDataRole.UserRole))])
    assert relabelled and catalog.label_of("chibi", next(iter(file_id.values()))) == "not_chibi"
    name = tab.current_model.name
    tab.rename_model(name, "renamed")
    assert tab.models_list.item(0).data(Qt.ItemDataRole.UserRole) == "renamed" and tab.current_model.name == "renamed"
    tab.delete_model("renamed")
    assert tab.models_list.count() == 0 and tab.current_model is None


def test_offline_imagenet_shows_a_clear_message(tab, qtbot, monkeypatch):
    import urllib.error

    from keras.src.utils import file_utils

    def offline(url, filename=None, reporthook=None, data=None):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr(file_utils, "urlretrieve", offline)
    monkeypatch.setattr(os.path, "expanduser", lambda p: p.replace("~", str(tab.context.project.root)))
    errors = []
    tab.context.error_raised.connect(lambda title, message: errors.append(message))
    tab.set_form(backbone="mobilenet_v2", weights="imagenet", size=96)
    tab.train_button.click()
    wait_for_run(qtbot, tab)
    assert errors and "Could not download the ImageNet weights" in errors[0] and "Load weights file" in errors[0]
