"""QSettings for the app. GANIME_SETTINGS_FILE points them at an INI file (tests, portable use)."""
from __future__ import annotations

import os

from PySide6.QtCore import QSettings

from ganime_gui import APP_NAME, ORG_NAME

MAX_RECENT = 8


def app_settings() -> QSettings:
    path = os.environ.get("GANIME_SETTINGS_FILE")
    if path:
        return QSettings(path, QSettings.Format.IniFormat)
    return QSettings(ORG_NAME, APP_NAME)


def recent_projects(settings: QSettings | None = None) -> list[str]:
    settings = settings or app_settings()
    value = settings.value("recentProjects", [])
    if isinstance(value, str):  # QSettings returns a bare string for a one-item list
        value = [value]
    return [str(v) for v in (value or [])]


def remember_project(path: str, settings: QSettings | None = None) -> list[str]:
    settings = settings or app_settings()
    recent = [path] + [p for p in recent_projects(settings) if p != path]
    recent = recent[:MAX_RECENT]
    settings.setValue("recentProjects", recent)
    settings.setValue("lastProject", path)
    return recent


def forget_project(path: str, settings: QSettings | None = None) -> list[str]:
    settings = settings or app_settings()
    recent = [p for p in recent_projects(settings) if p != path]
    settings.setValue("recentProjects", recent)
    if settings.value("lastProject") == path:
        settings.remove("lastProject")
    return recent
