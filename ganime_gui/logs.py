"""Logging: a console handler always, plus the open project's logs/ganime.log."""
from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_project_handler: logging.Handler | None = None


def setup_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger("ganime")
    if not any(getattr(h, "_ganime_console", False) for h in root.handlers):
        console = logging.StreamHandler()
        console.setFormatter(logging.Formatter(_FORMAT))
        console.setLevel(logging.WARNING)
        console._ganime_console = True  # type: ignore[attr-defined]
        root.addHandler(console)
    root.setLevel(level)


def attach_project_log(path: Path | None) -> None:
    """Send the 'ganime' loggers to this project's log file (or detach when None)."""
    global _project_handler
    root = logging.getLogger("ganime")
    if _project_handler is not None:
        root.removeHandler(_project_handler)
        _project_handler.close()
        _project_handler = None
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3,
                                                   encoding="utf-8")
    handler.setFormatter(logging.Formatter(_FORMAT))
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    _project_handler = handler
