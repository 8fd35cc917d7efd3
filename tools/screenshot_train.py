"""Screenshots of the Train tab with a trained model and its predictions, into docs/screenshots/.

    QT_QPA_PLATFORM=offscreen python tools/screenshot_train.py

Builds a temporary project of synthetic figures (the fake booru's generator) with chibi labels,
trains the tiny CNN from scratch in the tab (defaults: early stopping), applies it to the
unlabelled images and grabs the tab (``train.png``), the review grid scrolled to its end
(``train-review.png``) and the split page (``train-split.png``). Then it trains the same CNN with
every layer frozen for one epoch (only the head learns, on random features: the failure the
one-class warning is for) and grabs that result (``train-one-class.png``).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def wait(app, condition, timeout_s: float) -> None:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end and not condition():
        app.processEvents()
        time.sleep(0.02)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=400)
    parser.add_argument("--epochs", type=int, default=40, help="at most (early stopping ends sooner)")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots" / "train.png"))
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from ganime_gui.fakebooru.fixtures import labelled_figure_project
    from ganime_gui.ui.context import AppContext
    from ganime_gui.ui.train_tab import TrainTab

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        project, _ = labelled_figure_project(tmp, args.images, 11, labelled=int(args.images * 0.75),
                                             min_height=128, max_height=180, chibi_fraction=0.4)
        context = AppContext()
        context.set_project(project)
        tab = TrainTab(context)
        tab.resize(1400, 880)
        tab.show()
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)

        def train(**form):
            tab.set_form(label_set="chibi", backbone="tiny_cnn", weights="none", size=64, batch=16, **form)
            tab.run.train_button.click()
            wait(app, lambda: tab.train_worker is not None and not tab.train_worker.is_running(), 600)
            wait(app, lambda: tab.run.train_button.isEnabled(), 10)

        train(epochs=args.epochs, patience=5, frozen=-1)
        tab.apply_box.scope.setCurrentIndex(1)
        tab.apply_box.button.click()
        wait(app, lambda: tab.split_view.scores is not None, 300)
        tab.results.setCurrentIndex(0)
        wait(app, lambda: False, 1.5)  # thumbnails
        tab.grab().save(str(out))
        grid = tab.evaluation.review_grid
        grid.verticalScrollBar().setValue(grid.verticalScrollBar().maximum())
        wait(app, lambda: False, 1.0)
        # what is on screen after the scroll (not a fresh full repaint, which would hide stale paint)
        app.primaryScreen().grabWindow(tab.winId()).save(str(out.with_name("train-review.png")))
        tab.results.setCurrentIndex(1)
        tab.split_view.threshold_slider.setValue(50)
        wait(app, lambda: False, 1.5)
        tab.grab().save(str(out.with_name("train-split.png")))
        train(epochs=1, patience=0, frozen=1000)
        tab.results.setCurrentIndex(0)
        wait(app, lambda: False, 1.5)
        tab.grab().save(str(out.with_name("train-one-class.png")))
        print("one-class warning:", tab.evaluation.warning_label.text() or "(none)")
        context.jobs.stop_all()
        context.set_project(None)
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
