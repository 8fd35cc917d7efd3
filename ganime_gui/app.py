"""Start the window: QApplication on qasync's event loop. Imports no TensorFlow."""
from __future__ import annotations

import asyncio
import logging
import os
import sys

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from ganime_gui import APP_NAME, ORG_NAME, __version__, collector
from ganime_gui.assets import resource
from ganime_gui.logs import setup_logging

log = logging.getLogger("ganime.app")


def create_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(ORG_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("ganime")
    app.setWindowIcon(QIcon(str(resource("ganime.png"))))
    app.setStyleSheet(resource("style.qss").read_text(encoding="utf-8"))
    collector.install(app)  # Python's garbage collector runs on this (the UI) thread only
    return app


def build_window(project: str | None = None, demo: bool = False):
    from ganime_gui.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    if demo:
        from ganime_gui.demo import start_demo

        start_demo(window)
    elif project:
        window.open_project(project)
    else:
        window.restore_last_project()
    return window


def _probe_and_quit(app: QApplication, window) -> None:
    """For bench/startup.py: report when the window is on screen and when every tab is built
    (and whether TensorFlow was imported by then), then quit."""
    from PySide6.QtCore import QTimer

    def report(what: str) -> None:
        print(f"GANIME-{what} tensorflow_imported={'tensorflow' in sys.modules}", flush=True)

    def tabs_ready() -> None:
        report("TABS-READY")
        app.quit()

    QTimer.singleShot(0, lambda: report("WINDOW-SHOWN"))
    window.tabs_ready.connect(tabs_ready)


def run_app(project: str | None = None, demo: bool = False) -> int:
    setup_logging()
    app = create_application()
    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    closed = asyncio.Event()
    app.aboutToQuit.connect(closed.set)
    app.lastWindowClosed.connect(app.quit)

    async def main() -> None:
        # Created inside the running loop (qasync #121): tabs may start asyncio tasks at once.
        window = build_window(project, demo)
        app._ganime_window = window  # keep a reference for the app's lifetime
        if os.environ.get("GANIME_STARTUP_PROBE"):
            _probe_and_quit(app, window)
        await closed.wait()

    with loop:
        loop.run_until_complete(main())
    return 0
