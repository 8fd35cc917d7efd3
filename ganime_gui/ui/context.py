"""What every tab shares: the open project, its catalog, the job runner, messages to the user."""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from ganime_gui.core.catalog import Catalog
from ganime_gui.core.project import Project
from ganime_gui.logs import attach_project_log
from ganime_gui.workers import JobRunner


class AppContext(QObject):
    project_changed = Signal(object)        # Project | None; tabs reload on it
    status_message = Signal(str, int)       # text, timeout ms (0 = until replaced)
    error_raised = Signal(str, str)         # title, message: the window shows a dialog
    labels_changed = Signal()               # a tab changed labels; others refresh counts/queues
    files_changed = Signal()                # a crawl or import added images to the catalog
    predictions_changed = Signal()          # a classifier wrote predictions

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.project: Project | None = None
        self.catalog: Catalog | None = None
        self.jobs = JobRunner(self)

    def set_project(self, project: Project | None) -> None:
        """Switch projects. Opening the new catalog comes first: if it fails (UserError), the
        current project stays open."""
        catalog = project.open_catalog() if project else None
        if self.catalog is not None:
            self.catalog.close()
        self.project = project
        self.catalog = catalog
        attach_project_log(project.log_path if project else None)
        self.project_changed.emit(project)

    def status(self, text: str, timeout_ms: int = 5000) -> None:
        self.status_message.emit(text, timeout_ms)

    def error(self, title: str, message: str) -> None:
        logging.getLogger("ganime.ui").warning("%s: %s", title, message)
        self.error_raised.emit(title, message)
