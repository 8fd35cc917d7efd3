"""What the tab tests share: a tab on its own context and project, torn down cleanly."""
from __future__ import annotations

import contextlib

from ganime_gui.ui.context import AppContext


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
