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


def test_preview_shows_reals_then_updating_samples(tab, qtbot):
    tab.kimg_spin.setValue(0.1)  # 13 steps of 8 images
    # KID during training, with a toy feature network standing in for Inception (no download).
    toy = CallableFeatures(lambda px: np.concatenate([px.mean((1, 2)), px.std((1, 2))], 1), "toy net", size=16)
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
    tab.start_new_run()
    assert tab.is_running() and not tab.start_button.isEnabled()
    qtbot.waitUntil(lambda: not tab.is_running(), timeout=120_000)
    names = [n for n, _ in seen]
    assert names[0] == "reals.png"
    fakes = [img for n, img in seen if n.startswith("fakes")]
    assert len(fakes) >= 2 and fakes[0] != fakes[-1]  # the samples changed while it trained
    assert tab.current_grid_path().name.startswith("fakes")
    assert "Finished" in tab.status_label.text()
    xs, ys = tab.loss_plot.series("D")
    assert xs and all(np.isfinite(ys))
    assert tab.stat_labels["kimg"].text().startswith("0.1 kimg")
    kimgs, kids = tab.metric_plot.series("KID ×10³")
    assert kimgs == [0.056, 0.104] and all(np.isfinite(kids)) and tab.metric_plot.isVisible()
    assert "toy net" in tab.metric_label.text() and "0.1 kimg" in tab.metric_label.text()
    # Scrubbing back shows the real images again.
    tab.grid_slider.setValue(0)
    assert tab.current_grid_path().name == "reals.png"
    run = tab.context.catalog.runs("gan")[0]
    assert run.state == "finished"


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
