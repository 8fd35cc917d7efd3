"""The GAN tab: a tiny run shows real images then updating samples; Stop leaves a checkpoint the
tab can open and continue from."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QImage

from ganime_gui.core.gan import runs
from ganime_gui.core.gan.metrics import CallableFeatures
from ganime_gui.core.project import Project
from ganime_gui.ui.gan_tab import GanTab

from ui_helpers import close_tab, open_tab


@pytest.fixture
def tab(qtbot, tmp_path):
    widget = open_tab(qtbot, GanTab, Project.create(tmp_path / "project"), size=(1200, 760))
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(24):  # coloured squares on white
        img = np.full((80, 60, 3), 255, np.uint8)
        y, x = rng.integers(5, 40, 2)
        img[y:y + 30, x:x + 20] = rng.integers(0, 200, 3)
        Image.fromarray(img).save(folder / f"{i:02d}.png")
    widget.set_folder(folder)
    # A tiny model: 64 px (the smallest size offered), narrow, small batch, frequent samples.
    widget.width_spin.setValue(4)
    widget.latent_spin.setValue(8)
    widget.batch_spin.setValue(8)
    widget.preview_spin.setValue(0.01)
    widget.checkpoint_spin.setValue(1000)
    yield widget
    close_tab(widget)


def shown_image(tab) -> QImage:
    return tab.grid_view.pixmap().toImage()


def test_preview_shows_reals_then_updating_samples(tab, qtbot, monkeypatch):
    tab.kimg_spin.setValue(0.1)  # 13 steps of 8 images
    # KID during training, with a toy feature network standing in for Inception (no download).
    toy = CallableFeatures(lambda px: np.concatenate([px.mean((1, 2)), px.std((1, 2))], 1), "toy net",
                           size=16)
    tab.metric_extractor_factory = lambda: (lambda: toy)
    tab.metric_samples.setValue(50)
    tab.metric_every_spin.setValue(0.05)
    seen = []
    original = tab.grid_view.set_path

    def recording_set_path(path):
        ok = original(path)
        if path:
            seen.append((path.name, shown_image(tab)))
        return ok

    tab.grid_view.set_path = recording_set_path
    # The tiny run can end before a loaded machine's UI thread handles its first preview, and the
    # tab rightly jumps to the newest grid. The step-0 grid comes before the reals are reported
    # and each later one is reported once save_preview returns, so the third waits until the tab
    # has shown the second: "the samples changed" is then tested, not raced.
    import threading

    from ganime_gui.core.gan.train import GanTrainer

    first_shown = threading.Event()
    save_preview = GanTrainer.save_preview

    previews = []

    def wait_then_save_preview(trainer):
        if len(previews) >= 2:
            assert first_shown.wait(30), "the tab never showed the first sample grid"
        previews.append(trainer.images)
        return save_preview(trainer)

    monkeypatch.setattr(GanTrainer, "save_preview", wait_then_save_preview)

    def recording_set_path(path, record=recording_set_path):
        ok = record(path)
        if path and path.name.startswith("fakes"):
            first_shown.set()
        return ok

    tab.grid_view.set_path = recording_set_path
    tab.start_new_run()
    assert tab.is_running() and not tab.start_button.isEnabled()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=120_000)
    names = [n for n, _ in seen]
    assert names[0] == "reals.png"
    fakes = [img for n, img in seen if n.startswith("fakes")]
    assert len(fakes) >= 2 and fakes[0] != fakes[-1]  # the samples changed while it trained
    assert tab.current_grid_path().name.startswith("fakes")
    assert "Finished" in tab.status_label.text()
    assert "images/s (measured)" in tab.preset_box.plan.text()  # the plan follows the run
    xs, ys = tab.loss_plot.series("D")
    assert xs and all(np.isfinite(ys))
    assert tab.stat_labels["kimg"].text().startswith("0.1 kimg")
    kimgs, kids = tab.metric_plot.series("KID ×10³")
    assert kimgs == [0.056, 0.104] and all(np.isfinite(kids)) and tab.metric_plot.isVisible()
    assert tab.metric_plot.series("SWD ×10³")[0] == [0.056, 0.104]  # SWD beside KID, no network needed
    assert "toy net" in tab.metric_label.text() and "0.1 kimg" in tab.metric_label.text()
    assert "SWD" in tab.metric_label.text() and "no network" in tab.metric_label.text()
    # Scrubbing back shows the real images again.
    tab.grid_slider.setValue(0)
    assert tab.current_grid_path().name == "reals.png"
    run = tab.context.catalog.runs("gan")[0]
    assert run.state == "finished"
    assert tab.mirror_check.isChecked()  # flips are on unless the user turns them off
    assert runs.read_run_config(tab.run_dir).mirror is True


def test_pause_resume_then_stop_leaves_a_checkpoint_that_opens_and_continues(tab, qtbot):
    tab.kimg_spin.setValue(100)
    tab.start_new_run()
    qtbot.waitUntil(lambda: tab.stat_labels["img_per_s"].text() not in ("–", ""), timeout=120_000)
    tab.pause_button.click()
    qtbot.waitUntil(lambda: tab.status_label.text().startswith("Paused"), timeout=60_000)
    assert tab.pause_button.text() == "Resume" and runs.latest_checkpoint(tab.run_dir) is not None
    paused_kimg = tab.stat_labels["kimg"].text()
    qtbot.wait(300)
    assert tab.stat_labels["kimg"].text() == paused_kimg  # nothing trains while paused
    tab.pause_button.click()
    qtbot.waitUntil(lambda: tab.stat_labels["kimg"].text() != paused_kimg, timeout=60_000)
    tab.stop_button.click()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=60_000)
    run_dir = tab.run_dir
    ckpt = runs.latest_checkpoint(run_dir)
    assert ckpt is not None
    # The thread ends before its queued "cancelled" signal reaches the tab: wait for the words.
    qtbot.waitUntil(lambda: ckpt.name in tab.status_label.text(), timeout=5000)
    assert tab.continue_button.isEnabled()

    tab.open_run(run_dir)  # as after a restart
    assert tab.grids and tab.grids[0][1].name == "reals.png"
    assert tab.loss_plot.series("D")[0]
    step_before = runs.checkpoint_state(ckpt)["step"]
    assert step_before < 13
    tab.kimg_spin.setValue(0.1)  # 13 steps of 8 images in all
    tab.continue_button.click()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=120_000)
    assert runs.checkpoint_state(runs.latest_checkpoint(run_dir))["step"] == 13
    qtbot.waitUntil(lambda: "Finished" in tab.status_label.text(), timeout=5000)


def test_a_headless_run_opens_in_the_tab(tab, qtbot, tmp_path):
    from ganime_gui import cli

    out = tmp_path / "headless"
    assert cli.main(["train-gan", "--data", str(tab.folder), "--res", "64", "--steps", "4", "--out", str(out),
                     "--channels", "4", "--latent", "8", "--batch", "8", "--preview-every", "0.016"]) == 0
    tab.open_run(out)
    assert [p.name for _, p in tab.grids][0] == "reals.png" and len(tab.grids) >= 2
    assert tab.current_grid_path().name.startswith("fakes")  # opens on the latest samples
    assert tab.loss_plot.series("G")[0]
    assert tab.stat_labels["checkpoint"].text() == "ckpt-000000004"
    assert tab.continue_button.isEnabled() and "finished" in tab.status_label.text()


def test_image_choices_follow_new_files_and_labels(tab):
    catalog = tab.context.catalog
    file_id = catalog.add_file("images/a.png", "a" * 32, 10, 64, 64)
    tab.context.files_changed.emit()
    assert tab.source_combo.findText("All images in the project (1)") >= 0
    catalog.set_labels("chibi", [file_id], "not_chibi")
    tab.context.labels_changed.emit()
    assert tab.source_combo.findText("chibi: not_chibi (1)") >= 0
    # The classifier's predicted class is a selection too, and the tab trains on what it holds.
    model_id = catalog.register_model("vgg", "models/vgg.keras", "chibi", ["chibi", "not_chibi"], "vgg16",
                                      224, 0.9)
    other = catalog.add_file("images/b.png", "b" * 32, 10, 64, 64)
    catalog.save_predictions(model_id, {file_id: [0.2, 0.8], other: [0.3, 0.7]})
    tab.context.predictions_changed.emit()
    index = tab.source_combo.findText("Predicted not_chibi by vgg (2)")
    assert index >= 0
    tab.source_combo.setCurrentIndex(index)
    assert [p.name for p in tab.selected_paths()] == ["a.png", "b.png"]


def test_the_tab_says_which_preset_and_why_and_asks_before_a_run_over_a_day(qtbot, tmp_path, monkeypatch):
    from ganime_gui.core.gan import presets

    monkeypatch.setattr(presets, "machine_choice", lambda: presets.choose_preset([], 2))
    tab = open_tab(qtbot, GanTab, Project.create(tmp_path / "p"))
    try:
        box = tab.preset_box
        assert box.combo.currentText().startswith("Auto: CPU") and "No GPU found" in box.reason.text()
        assert (tab.width_spin.value(), tab.batch_spin.value()) == (32, 32)
        assert tab.config_from_form().preset == "cpu"
        assert "1000 kimg" in box.plan.text() and "images/s" in box.plan.text()
        assert "more than a day" not in box.plan.text()
        # The GPU settings on this CPU: days. The plan says so, and Start asks first.
        box.combo.setCurrentIndex(box.combo.findData("gpu"))
        box.combo.activated.emit(box.combo.currentIndex())
        assert tab.width_spin.value() == 64 and "more than a day" in box.plan.text()
        tab.width_spin.setValue(48)
        assert box.current_key() == "custom" and tab.config_from_form().preset == ""
        asked = []
        tab.confirm_long_run = lambda text: asked.append(text) or False
        folder = tmp_path / "imgs"
        folder.mkdir()
        Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(folder / "a.png")
        tab.set_folder(folder)
        tab.start_new_run()
        assert asked and "would take" in asked[0] and not tab.is_running()
    finally:
        close_tab(tab)


def test_after_a_restart_the_tab_shows_the_last_run_and_exports_its_generator(tab, qtbot, tmp_path):
    tab.kimg_spin.setValue(0.02)
    tab.start_new_run()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=120_000)
    qtbot.waitUntil(lambda: "Finished" in tab.status_label.text(), timeout=5000)
    run_dir, project = tab.run_dir, tab.context.project
    # Dialogs open in the project, not the process's working folder.
    assert tab.dialog_dir("x.keras") == str(project.exports_dir / "x.keras")
    dest = tmp_path / "exported" / "gen.keras"
    tab.ask_save_path = lambda title, name, filters: str(dest)
    assert tab.export_generator_button.isEnabled()
    tab.export_generator_button.click()
    qtbot.waitUntil(lambda: not tab.context.jobs.running(), timeout=120_000)
    assert (dest.with_suffix(".json").is_file()
            and len(list((dest.parent / "gen-samples").glob("*.png"))) == 64)

    again = open_tab(qtbot, GanTab, Project.open(project.root))  # as after a restart
    try:
        assert again.run_dir == run_dir and "No run yet" not in again.grid_title.text()
        assert again.current_grid_path().name.startswith("fakes")
        assert (again.width_spin.value(), again.batch_spin.value(), again.latent_spin.value()) == (4, 8, 8)
        assert "hand-set sizes" in again.preset_box.plan.text() and again.continue_button.isEnabled()
        assert "finished" in again.status_label.text()
    finally:
        close_tab(again)


def test_the_funnels_clean_set_is_listed_and_chosen_first(qtbot, tmp_path):
    from ganime_gui.fakebooru.fixtures import chibi_label, labelled_figure_project

    project, rows = labelled_figure_project(tmp_path, 30, seed=3, labelled=10)
    with project.open_catalog() as catalog:
        model_id = catalog.register_model("m", "models/m.keras", "chibi", ["chibi", "not_chibi"],
                                          "tiny_cnn", 64, 0.9)
        catalog.save_predictions(model_id, {r["file_id"]: [0.9, 0.1] if chibi_label(r) == "chibi"
                                            else [0.2, 0.8] for r in rows[10:]})
    clean = sum(1 for r in rows if chibi_label(r) == "not_chibi")
    tab = open_tab(qtbot, GanTab, project)
    try:
        assert tab.sources.current() == ("clean", "chibi", "not_chibi")
        assert tab.sources.combo.currentText() == f"Clean set of chibi: not_chibi ({clean})"
    finally:
        close_tab(tab)
