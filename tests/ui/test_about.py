"""Help → About names the versions, the licence and where the logs are, without importing TensorFlow."""
from importlib import metadata

import PySide6
from PySide6.QtCore import qVersion

from ganime_gui import __version__
from ganime_gui.logs import user_log_dir
from ganime_gui.ui.main_window import MainWindow


def test_about_lists_versions_licence_and_log_folders(qtbot, tmp_path):
    window = MainWindow()
    qtbot.addWidget(window)
    window.new_project(tmp_path / "proj")
    window.about_action.trigger()
    text = window.about_box.text()
    for expected in (__version__, qVersion(), PySide6.__version__, metadata.version("tensorflow"),
                     "MIT", str(user_log_dir()), str(tmp_path / "proj" / "logs")):
        assert expected in text, expected
    window.about_box.close()
    window.context.set_project(None)
