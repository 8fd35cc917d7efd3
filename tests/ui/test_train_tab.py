"""The Train tab: live plots during a run, results after it, Stop, models list, Apply and Split."""
from __future__ import annotations

import json
import os
import socket
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from ganime_gui.fakebooru.fixtures import chibi_figure_items, labelled_figure_project
from ganime_gui.core.classify.train import EpochEnd
from ganime_gui.ui.train_tab import TrainTab
from ganime_gui.ui.widgets.image_grid import GridItem, ImageGrid

from ui_helpers import close_tab, open_tab


@pytest.fixture
def tab(qtbot, tmp_path):
    project, _ = labelled_figure_project(tmp_path, 64, 3, labelled=48)
    widget = open_tab(qtbot, TrainTab, project, size=(1280, 800))
    widget.set_form(label_set="chibi", backbone="tiny_cnn", weights="none", size=48, batch=8, patience=0)
    yield widget
    close_tab(widget)


def wait_for_run(qtbot, tab, timeout=120_000):
    qtbot.waitUntil(lambda: tab.train_worker is not None and not tab.train_worker.is_running(),
                    timeout=timeout)
    qtbot.waitUntil(lambda: tab.run.train_button.isEnabled(), timeout=5000)


def test_plots_receive_points_while_training_runs(tab, qtbot):
    tab.set_form(epochs=3)
    snapshots = []
    tab.run.train_button.click()
    assert tab.run.stop_button.isEnabled() and not tab.run.train_button.isEnabled()

    def on_progress(done, total, message, extra):
        event = extra.get("event")
        if isinstance(event, EpochEnd):  # runs after the tab's own slot (connected first)
            snapshots.append((event.epoch, tab.train_worker.is_running(),
                              len(tab.plots.acc_plot.series("train (batch)")[0]),
                              len(tab.plots.loss_plot.series("validation")[0])))

    tab.train_worker.progress.connect(on_progress)
    wait_for_run(qtbot, tab)
    assert [s[0] for s in snapshots] == [1, 2, 3]
    meta = tab.current_model.meta
    batches = -(-meta["n_train"] // 8)
    epoch, running, batch_points, val_points = snapshots[0]
    assert running and batch_points == batches and val_points == 1  # drawn while the run goes on
    xs, ys = tab.plots.acc_plot.series("train (batch)")
    assert len(xs) == 3 * batches and xs == sorted(xs) and all(0 <= y <= 1 for y in ys)
    assert len(tab.plots.acc_plot.series("validation")[0]) == 3
    assert "Trained" in tab.run.status_label.text() and "balanced accuracy" in tab.run.status_label.text()
    # results: the confusion matrix covers the validation set; the review grid lists images
    ev = tab.evaluation
    n = sum(int(ev.confusion_table.item(i, j).text()) for i in range(2) for j in range(2))
    assert n == meta["n_val"] == ev.review_grid.count() and meta["n_train"] + n == 48
    assert tab.models.list.count() == 1 and tab.current_model is not None
    assert "balanced accuracy" in ev.metrics_label.text() and "Recall: chibi" in ev.metrics_label.text()
    assert "fixed 3 epochs" in ev.settings_label.text() and "weights none" in ev.settings_label.text()


def test_stop_mid_run_keeps_a_loadable_model(tab, qtbot):
    tab.set_form(epochs=200)
    tab.run.train_button.click()
    worker = tab.train_worker
    qtbot.waitUntil(lambda: len(tab.plots.loss_plot.series("validation")[0]) >= 1, timeout=60_000)
    tab.run.stop_button.click()
    wait_for_run(qtbot, tab)
    assert worker.is_cancelling
    assert "best epoch so far saved" in tab.run.status_label.text()
    assert tab.models.list.count() == 1
    from ganime_gui.core.classify.models import load_keras_model

    model = load_keras_model(tab.current_model.path)
    assert model.output_shape == (None, 2)


def test_apply_stores_predictions_and_split_shows_the_threshold(tab, qtbot, tmp_path):
    tab.set_form(epochs=2)
    tab.run.train_button.click()
    wait_for_run(qtbot, tab)
    changed = []
    tab.context.predictions_changed.connect(lambda: changed.append(1))
    tab.apply_box.scope.setCurrentIndex(1)  # unlabelled: 16 images
    tab.apply_box.button.click()
    qtbot.waitUntil(lambda: bool(changed), timeout=60_000)
    split = tab.split_view
    assert split.scores is not None and len(split.scores) == 16
    record = tab.context.catalog.model_record(tab.current_model.name)
    assert len(tab.context.catalog.predictions_of(record.id)) == 16
    qtbot.waitUntil(lambda: split.near_grid.count() == 16, timeout=5000)
    split.threshold_slider.setValue(90)
    qtbot.waitUntil(lambda: "0.90" in split.threshold_label.text() and split.near_grid.count() == 16,
                    timeout=5000)
    scores = [float(split.near_grid.item(i).text().split()[-1]) for i in range(split.near_grid.count())]
    assert np.all(np.diff(np.abs(np.array(scores) - 0.9)) >= -0.006)  # nearest the threshold first
    # the stored scores come back with the model (Split works without applying again)
    tab.split_view.set_scores(None)
    tab.load_model(tab.current_model.name)
    assert len(split.scores) == 16 and split.split_button.isEnabled()
    worker = split.split_to(tmp_path / "split")
    qtbot.waitUntil(lambda: not worker.is_running(), timeout=30_000)
    placed = sum(len(os.listdir(tmp_path / "split" / d)) for d in os.listdir(tmp_path / "split"))
    assert placed == 16


def test_rename_and_delete_models_and_relabel_from_the_review_grid(tab, qtbot):
    tab.set_form(epochs=1)
    tab.run.train_button.click()
    wait_for_run(qtbot, tab)
    relabelled = []
    tab.context.labels_changed.connect(lambda: relabelled.append(1))
    triggered = []
    tab.actions["relabel_2"].triggered.connect(lambda: triggered.append(2))  # bound from ui/train_keys.py
    qtbot.keyClick(tab.evaluation.review_grid, Qt.Key.Key_2)  # nothing selected: nothing relabelled
    assert not relabelled and not triggered
    item = tab.evaluation.review_grid.item(0)
    item.setSelected(True)
    qtbot.keyClick(tab.evaluation.review_grid, Qt.Key.Key_2)  # the second class of "chibi": not_chibi
    assert triggered == [2]
    catalog, project = tab.context.catalog, tab.context.project
    file_id = catalog.file_ids_for_paths([project.relpath(item.data(Qt.ItemDataRole.UserRole))])
    assert relabelled and catalog.label_of("chibi", next(iter(file_id.values()))) == "not_chibi"
    name = tab.current_model.name
    tab.rename_model(name, "renamed")
    assert tab.models.list.item(0).data(Qt.ItemDataRole.UserRole) == "renamed"
    assert tab.current_model.name == "renamed"
    tab.delete_model("renamed")
    assert tab.models.list.count() == 0 and tab.current_model is None


def test_offline_imagenet_names_the_weights_file_and_the_folder(tab, qtbot, monkeypatch, tmp_path):
    from ganime_gui.core.classify import weights

    with socket.socket() as s:  # a port nobody listens on: refused at once, as offline
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(weights, "STORAGE", f"http://127.0.0.1:{port}/")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    errors = []
    tab.context.error_raised.connect(lambda title, message: errors.append(message))
    tab.set_form(backbone="mobilenet_v2", weights="imagenet", size=96)
    assert not tab.form.scratch_hint.isVisibleTo(tab)
    tab.run.train_button.click()
    wait_for_run(qtbot, tab)
    assert errors and "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_96_no_top.h5" in errors[0]
    assert str(tmp_path / "keras" / "models") in errors[0] and "Load weights file" in errors[0]


def test_weights_download_shows_megabytes_and_a_damaged_file_says_what_to_do(tab, qtbot, monkeypatch,
                                                                             tmp_path):
    import http.server
    import threading

    from ganime_gui.core.classify import weights

    body = bytes(3 << 20)  # 3 MB that are not an h5 file

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setattr(weights, "STORAGE", f"http://127.0.0.1:{httpd.server_address[1]}/")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    formats, errors = [], []
    tab.context.error_raised.connect(lambda title, message: errors.append(message))
    tab.set_form(backbone="mobilenet_v2", weights="imagenet", size=96)
    tab.run.train_button.click()
    tab.train_worker.progress.connect(lambda *a: formats.append(tab.run.progress_bar.format()))
    try:
        wait_for_run(qtbot, tab)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert "3.1 / 3.1 MB" in formats  # the tab's slot ran first: the bar showed the finished download
    assert errors and "is damaged or not the right one" in errors[0] and "Delete it" in errors[0]


def test_from_scratch_freezes_nothing_and_says_it_needs_many_more_labels(tab):
    tab.set_form(backbone="mobilenet_v2", weights="none")
    assert tab.form.scratch_hint.isVisibleTo(tab) and "many more labels" in tab.form.scratch_hint.text()
    assert tab.form.config().frozen_layers is None  # the default: nothing frozen from scratch (core decides)
    assert tab.form.config().early_stopping_patience > 0 or tab.form.patience_spin.value() == 0


def _one_class_model(models_dir, name="one-class"):
    """A model whose sidecar says it predicted not_chibi for all 24 validation images (18 are)."""
    models_dir.mkdir(parents=True, exist_ok=True)
    (models_dir / f"{name}.keras").write_bytes(b"not loaded by this test")
    meta = {"name": name, "label_set": "chibi", "class_names": ["chibi", "not_chibi"], "input_size": 48,
            "backbone": "tiny_cnn", "weights": "none", "frozen_layers": 0, "best_epoch": 3,
            "epochs_trained": 8,
            "val_accuracy": 0.75, "created": "2026-12-01T20:00:00+00:00", "n_train": 96, "n_val": 24,
            "config": {"backbone": "tiny_cnn", "weights": None, "input_size": 48, "batch_size": 8,
                       "epochs": 40,
                       "early_stopping_patience": 5, "frozen_layers": None, "use_feature_cache": True},
            "history": [{"epoch": e, "loss": 0.7, "accuracy": 0.7, "val_loss": 0.69, "val_accuracy": 0.75}
                        for e in range(1, 9)],
            "evaluation": {"class_names": ["chibi", "not_chibi"], "confusion": [[0, 6], [0, 18]],
                           "wrong": [], "least_sure": []}}
    (models_dir / f"{name}.json").write_text(json.dumps(meta))


def test_after_a_restart_the_last_model_shows_with_its_settings_and_a_one_class_warning(qtbot, tmp_path):
    project, _ = labelled_figure_project(tmp_path, 24, 3, labelled=24)
    _one_class_model(project.models_dir)
    tab = open_tab(qtbot, TrainTab, project, size=(1280, 800))  # a fresh tab, as after a restart
    try:
        ev = tab.evaluation
        assert tab.current_model is not None and tab.current_model.name == "one-class"
        assert "No model yet" not in ev.title.text() and "one-class" in ev.title.text()
        assert "early stopping 5 epochs" in ev.settings_label.text()
        assert "best epoch 3 of 8" in ev.settings_label.text()
        assert ev.warning_label.isVisibleTo(tab)
        assert ev.warning_label.text().startswith(
            "Predicts not_chibi for everything: 75.0% is the share of that class")
        assert "balanced accuracy 50.0%" in ev.metrics_label.text()
        assert len(tab.plots.loss_plot.series("validation")[0]) == 8
        # the form shows the settings the model was trained with
        form = tab.form
        assert form.backbone_combo.currentData() == "tiny_cnn" and form.weights_combo.currentData() == "none"
        assert (form.size_spin.value(), form.epochs_spin.value(), form.patience_spin.value()) == (48, 40, 5)
        assert tab.models.selected() == "one-class" and tab.apply_box.button.isEnabled()
    finally:
        close_tab(tab)


def _pump(ms: int) -> None:
    end = time.monotonic() + ms / 1000
    while time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.005)


def test_review_grid_repaints_whole_items_when_thumbnails_arrive(qtbot, tmp_path):
    """What is on screen equals a full repaint after thumbnails replace placeholders (no stale
    caption fragments or grey blocks until a scroll)."""
    from ganime_gui.ui.context import AppContext

    # figures taller than wide: narrower than the placeholder
    items = chibi_figure_items(tmp_path, 30, seed=3)
    context = AppContext()
    grid = ImageGrid(context.jobs)  # thumbnails decoded in a worker arrive after the first paint
    qtbot.addWidget(grid)
    grid.resize(700, 500)
    grid.show()
    qtbot.waitExposed(grid)
    for start in (0, 5):
        grid.set_items([GridItem(p, f"{label} → ?\n0.{50 + i}")
                        for i, (p, label) in enumerate(items[start:])])
        qtbot.waitUntil(lambda: not context.jobs.running(), timeout=10_000)
        _pump(200)
        screen = QApplication.primaryScreen().grabWindow(grid.winId()).toImage()
        full = grid.grab().toImage()
        fmt = QImage.Format.Format_RGB32
        assert screen.convertToFormat(fmt) == full.convertToFormat(fmt)


def _reasons_project(root, count=60, seed=5):
    """A project whose images are labelled in one pass in the shipped ``reasons`` set: chibi, else
    more_than_one, else clean (ground truth of the generated figures)."""
    from ganime_gui.core.project import Project
    from ganime_gui.fakebooru.figures import write_image_folder
    from ganime_gui.fakebooru.fixtures import catalog_generated

    project = Project.create(root / "project")
    csv_path = write_image_folder(root / "figures", count, seed, min_height=64, max_height=90,
                                  formats=("png",),
                                  chibi_fraction=0.3, two_characters=0.3, busy=0.0, upper_body=0.0,
                                  simple=0.0)
    with project.open_catalog() as catalog:
        rows = catalog_generated(project, catalog, root / "figures", csv_path)
        for row in rows:
            label = ("chibi" if int(row["chibi"]) else
                     "more_than_one" if int(row["n_characters"]) > 1 else "clean")
            catalog.set_labels("reasons", [row["file_id"]], label)
    return project


@pytest.mark.timeout(240)
def test_one_classifier_per_reason_shows_each_reason_and_the_clean_verdict_on_held_out_labels(qtbot,
                                                                                              tmp_path):
    from ganime_gui.core.classify.reasons import GROUP_SUFFIX, ReasonStarted, read_reason_group

    project = _reasons_project(tmp_path)
    tab = open_tab(qtbot, TrainTab, project, size=(1280, 800))
    try:
        form = tab.form
        tab.set_form(label_set="chibi")
        assert not form.per_reason_check.isEnabled()  # no clean class in that set
        tab.set_form(label_set="reasons", backbone="tiny_cnn", weights="none", size=48, batch=8, epochs=3,
                     patience=0, per_reason=True)
        assert form.per_reason_check.isEnabled() and form.one_per_reason()
        started = []
        tab.run.train_button.click()
        tab.train_worker.progress.connect(
            lambda d, t, m, extra: isinstance(extra.get("event"), ReasonStarted) and started.append(
                (extra["event"].reason, tab.reasons_view.title.text())))
        wait_for_run(qtbot, tab)
        assert [r for r, _ in started] == ["chibi", "more_than_one"]  # every labelled reason, in turn
        assert "Training classifier 1 of 2: chibi" in started[0][1]
        assert tab.results.currentWidget() is tab.reasons_view
        assert tab.models.list.count() == 2
        group = read_reason_group(next(project.models_dir.glob(f"*{GROUP_SUFFIX}")))
        held = group["holdout"]
        assert "Clean verdict on 12 held-out images" in tab.run.status_label.text()

        def shown(view):
            table = view.table
            return ([table.verticalHeaderItem(i).text() for i in range(table.rowCount())],
                    [[table.item(i, j).text() for j in range(table.columnCount())]
                     for i in range(table.rowCount())])

        def pct(v):
            return "n/a" if v is None else f"{v:.1%}"

        titles, cells = shown(tab.reasons_view)
        assert titles == ["chibi", "more_than_one", "clean (no reason applies)"]
        for row, reason in zip(cells, ("chibi", "more_than_one")):
            own = held["per_reason"][reason]
            assert row[0] == str(own["images"]) and own["images"] > 0
            assert row[1:3] == [pct(own["precision"]), pct(own["recall"])]
        assert cells[2][1:3] == [pct(held["clean_precision"]), pct(held["clean_recall"])]
        assert int(cells[0][0]) + int(cells[1][0]) + int(cells[2][0]) == held["images"] == 12
        tab.grab().save(str(tmp_path / "reasons.png"))
        if os.environ.get("GANIME_SCREENSHOTS"):
            tab.grab().save(os.path.join(os.environ["GANIME_SCREENSHOTS"], "train-one-per-reason.png"))
        before = shown(tab.reasons_view)
    finally:
        close_tab(tab)
    again = open_tab(qtbot, TrainTab, project, size=(1280, 800))  # after a restart: the same result
    try:
        assert shown(again.reasons_view) == before
    finally:
        close_tab(again)


@pytest.mark.timeout(240)
def test_stopping_the_reason_classifiers_says_what_was_kept(qtbot, tmp_path):
    from ganime_gui.core.classify.reasons import GROUP_SUFFIX

    project = _reasons_project(tmp_path, count=40)
    tab = open_tab(qtbot, TrainTab, project, size=(1280, 800))
    try:
        tab.set_form(label_set="reasons", backbone="tiny_cnn", weights="none", size=48, batch=8, epochs=200,
                     patience=0, per_reason=True)
        tab.run.train_button.click()
        qtbot.waitUntil(lambda: len(tab.plots.loss_plot.series("validation")[0]) >= 1, timeout=60_000)
        tab.form.per_reason_check.setChecked(False)  # the run already chose its kind
        tab.run.stop_button.click()
        wait_for_run(qtbot, tab)
        assert "classifiers trained so far are in the model list" in tab.run.status_label.text()
        assert "Stopped before every reason" in tab.reasons_view.title.text()
        assert tab.reasons_view.table.rowCount() == 0
        assert tab.models.list.count() == 1  # the first reason's best epoch, kept
        assert not list(project.models_dir.glob(f"*{GROUP_SUFFIX}"))  # no combined verdict
    finally:
        close_tab(tab)
