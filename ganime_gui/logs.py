"""Logging, one format everywhere: the console gets one line per record (no tracebacks), the log
files get every detail. Files: the app's own log in the user's log folder (always), plus the open
project's ``logs/ganime.log`` (the window's project, or a headless command's ``--project``)."""
from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from ganime_gui import APP_NAME, ORG_NAME

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_project_handler: logging.Handler | None = None


class OneLineFormatter(logging.Formatter):
    """The console's format: the first line of the message only; tracebacks stay in the files."""

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)
        message = record.getMessage()
        first, _, rest = message.partition("\n")
        record.msg, record.args = first, None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        line = super().format(record)
        return line + (" (details in the log)" if rest.strip() else "")


# ``log.error(..., extra=FILES_ONLY)``: for a record whose words the caller already printed.
FILES_ONLY = {"files_only": True}


def _not_files_only(record: logging.LogRecord) -> bool:
    return not getattr(record, "files_only", False)


def user_log_dir() -> Path:
    """Where the app's own log lives (GANIME_LOG_DIR overrides: tests, portable use)."""
    override = os.environ.get("GANIME_LOG_DIR")
    if override:
        return Path(override)
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
        return base / ORG_NAME / APP_NAME / "Logs"
    if sys.platform == "darwin":
        return home / "Library" / "Logs" / APP_NAME
    base = Path(os.environ.get("XDG_STATE_HOME") or home / ".local" / "state")
    return base / "ganime" / "logs"


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a test or a host may swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


def _file_handler(path: Path, *, delay: bool = False) -> logging.Handler:
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3,
                                                   encoding="utf-8", delay=delay)
    handler.setFormatter(logging.Formatter(_FORMAT))
    return handler


def setup_logging(level: int = logging.INFO) -> None:
    root = logging.getLogger("ganime")
    # Our records are ours to print: TensorFlow/absl put a handler on the root logger, and
    # propagating there printed each line twice in two formats.
    root.propagate = False
    if not any(getattr(h, "_ganime_console", False) for h in root.handlers):
        console = _StderrHandler()
        console.setFormatter(OneLineFormatter(_FORMAT))
        console.setLevel(logging.WARNING)
        console.addFilter(_not_files_only)
        console._ganime_console = True  # type: ignore[attr-defined]
        root.addHandler(console)
    if not any(getattr(h, "_ganime_user_log", False) for h in root.handlers):
        try:
            user = _file_handler(user_log_dir() / "ganime.log", delay=True)  # made on the first record
        except OSError:  # a read-only or full home: the console and the project log still work
            user = None
        if user is not None:
            user._ganime_user_log = True  # type: ignore[attr-defined]
            root.addHandler(user)
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
    handler = _file_handler(path)
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    _project_handler = handler


def project_log_path() -> Path | None:
    """The project log now attached, if any."""
    return Path(_project_handler.baseFilename) if _project_handler is not None else None
