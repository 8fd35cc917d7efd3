"""Light background calls (a tag lookup, a thumbnail decode) as asyncio tasks on the app's loop.

The app runs Qt on qasync's event loop (``ganime_gui.app``): a call here becomes a task on that
loop, its blocking part runs in the loop's executor, and the answer comes back in the GUI
thread, where ``on_done`` runs only if ``owner`` (a widget) still exists. No thread or relay
object of its own; long jobs use ``ganime_gui.workers`` instead.

Without a qasync loop (a script, or a test that did not install one) the call runs inline.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from PySide6.QtCore import QObject

log = logging.getLogger("ganime.ui.background")


def _alive(owner: QObject) -> bool:
    try:
        import shiboken6
        return shiboken6.isValid(owner)
    except ImportError:  # pragma: no cover - shiboken ships with PySide6
        return True


def app_loop() -> asyncio.AbstractEventLoop | None:
    """The qasync loop the app (or a test) installed, or None."""
    try:
        import qasync
    except ImportError:  # pragma: no cover - a dependency of the app
        return None
    policy_loop = asyncio.get_event_loop_policy()
    try:
        loop = policy_loop.get_event_loop()
    except RuntimeError:
        return None
    return loop if isinstance(loop, qasync.QEventLoop) and not loop.is_closed() else None


def run_in_background(owner: QObject, fn: Callable[[], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[BaseException], None] | None = None):
    """Run ``fn()`` off the GUI thread; then ``on_done(result)`` or ``on_error(exc)`` in it."""
    def finish(result=None, error: BaseException | None = None) -> None:
        if not _alive(owner):
            return
        if error is None:
            on_done(result)
        elif on_error is not None:
            on_error(error)
        else:
            log.warning("background call failed: %s", error)

    loop = app_loop()
    if loop is None:
        try:
            result = fn()
        except Exception as exc:  # noqa: BLE001 - handed to on_error like the async path
            finish(error=exc)
        else:
            finish(result)
        return None

    async def call() -> None:
        try:
            result = await loop.run_in_executor(None, fn)
        except Exception as exc:  # noqa: BLE001 - handed to on_error
            finish(error=exc)
        else:
            finish(result)

    return loop.create_task(call())
