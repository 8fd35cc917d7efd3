"""Help → About: what this build is made of (versions), its licence and where its logs are."""
from __future__ import annotations

import html
import platform
import sys
from importlib import metadata
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QMessageBox, QWidget

from ganime_gui import APP_NAME, __version__
from ganime_gui.logs import project_log_path, user_log_dir


def _installed(distribution: str) -> str:
    """A package's version without importing it (TensorFlow takes seconds to import)."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "not installed"


def versions() -> list[tuple[str, str]]:
    return [
        (APP_NAME, __version__),
        ("Qt", qVersion()),
        ("PySide6", PySide6.__version__),
        ("TensorFlow", _installed("tensorflow")),
        ("Keras", _installed("keras")),
        ("Python", f"{platform.python_version()} ({sys.platform}, {platform.machine()})"),
    ]


def about_html() -> str:
    rows = "".join(f"<tr><td>{html.escape(name)}</td><td>{html.escape(value)}</td></tr>"
                   for name, value in versions())
    logs = [("App log", user_log_dir())]
    if project_log_path() is not None:
        logs.append(("This project's log", Path(project_log_path()).parent))
    log_rows = "".join(f"<tr><td>{name}</td><td>{html.escape(str(path))}</td></tr>" for name, path in logs)
    return (f"<h3>{APP_NAME} {__version__}</h3>"
            "<p>Crawl full-body anime character images from booru sites, sort them by keyboard, train "
            "a classifier to clean the rest, and train a small GAN while watching its samples improve.</p>"
            f"<table cellspacing='4'>{rows}</table>"
            "<p>Licence: MIT (the LICENSE file beside the app). Qt and PySide6 are used under the LGPLv3; "
            "TensorFlow and Keras under the Apache License 2.0.</p>"
            f"<p>Logs (what went wrong, with details):</p><table cellspacing='4'>{log_rows}</table>")


def show_about(parent: QWidget) -> QMessageBox:
    box = QMessageBox(parent)
    box.setWindowTitle(f"About {APP_NAME}")
    box.setTextFormat(Qt.TextFormat.RichText)
    box.setText(about_html())
    box.setIconPixmap(parent.windowIcon().pixmap(64, 64))
    box.open()
    return box
