"""Screenshot of the GAN tab with a run going, into docs/screenshots/gan.png.

    QT_QPA_PLATFORM=offscreen python tools/screenshot_gan.py [--seconds 60]

Trains the machine's default preset on synthetic figures (the fake booru's generator) inside a
temporary project, scoring SWD every 2 kimg, and grabs the tab while it trains.
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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=180, help="training time before the grab")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots" / "gan.png"))
    args = parser.parse_args()

    from PySide6.QtWidgets import QApplication

    from ganime_gui.core.project import Project
    from ganime_gui.fakebooru.figures import write_image_folder
    from ganime_gui.ui.context import AppContext
    from ganime_gui.ui.gan_tab import GanTab

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "figures"
        write_image_folder(folder, 400, seed=7, min_height=160, max_height=240, chibi_fraction=0.0,
                           two_characters=0.0, busy=0.0, upper_body=0.0)
        context = AppContext()
        context.set_project(Project.create(Path(tmp) / "project"))
        tab = GanTab(context)
        tab.resize(1400, 860)
        tab.show()
        tab.set_folder(folder)
        tab.mirror_check.setChecked(True)
        # The machine's preset as a user gets it (on a CPU: width 32, batch 32), scored with SWD.
        tab.checkpoint_spin.setValue(5)
        tab.metric_every_spin.setValue(2.0)
        tab.metric_samples.setValue(400)
        tab.start_new_run()
        end = time.monotonic() + args.seconds
        while time.monotonic() < end and tab.is_running():
            app.processEvents()
            time.sleep(0.02)
        app.processEvents()
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        tab.grab().save(args.out)
        tab.stop()
        while tab.is_running():
            app.processEvents()
            time.sleep(0.05)
        context.set_project(None)
    print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
