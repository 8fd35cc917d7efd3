"""What the tab tests share: a tab on its own context and project, torn down cleanly."""
from __future__ import annotations

import asyncio
import contextlib

import qasync
import shiboken6
from PySide6.QtCore import QObject

from ganime_gui.ui.context import AppContext


@contextlib.contextmanager
def qasync_loop(qapp):
    """The app's qasync loop, as ``ganime_gui.app`` installs it, for one test; closed afterwards
    with its QObjects deleted here, on the UI thread.

    A closed loop is cyclic garbage that holds QObjects of the UI thread (qasync's timer, with
    timers still armed, and its call-soon signaller). Left to the garbage collector they are
    destroyed on whatever thread triggers the next collection -- a crawl download, the fake
    booru's server, a job's QThread -- and a QObject destroyed off its thread segfaults. The app
    runs one loop for its whole life, so only tests make such garbage."""
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        asyncio.set_event_loop(None)
        loop.close()
        for value in list(vars(loop).values()):
            if isinstance(value, QObject) and shiboken6.isValid(value):
                shiboken6.delete(value)


def open_tab(qtbot, tab_class, project, size=(1200, 800)):
    """Show ``tab_class`` on a fresh context with ``project`` open, as the main window would."""
    context = AppContext()
    context.set_project(project)
    widget = tab_class(context)
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def close_tab(widget) -> None:
    """Stop the tab's jobs, then close its project (the catalog closes after the workers end)."""
    widget.context.jobs.stop_all()
    with contextlib.suppress(AttributeError):
        widget.loader.wait_idle()
    widget.context.set_project(None)
