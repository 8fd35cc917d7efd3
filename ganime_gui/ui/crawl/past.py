"""The project's past crawls: how each ended, and the buttons to resume one or import a folder."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QAbstractItemView, QGroupBox, QHBoxLayout, QHeaderView, QPushButton,
                               QTableWidget, QTableWidgetItem, QVBoxLayout)

from ganime_gui.core.crawl.engine import live_state

TAGS_COLUMN_PX = 220


class PastCrawls(QGroupBox):
    resume_requested = Signal(int)     # a crawl's id
    import_requested = Signal()

    def __init__(self, parent=None):
        super().__init__("Past crawls of this project", parent)
        v = QVBoxLayout(self)
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["#", "Site", "Tags", "State", "How it ended"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _i: self._resume_selected())
        v.addWidget(self.table)
        h = QHBoxLayout()
        self.resume_button = QPushButton("Resume selected")
        self.resume_button.clicked.connect(self._resume_selected)
        h.addWidget(self.resume_button)
        h.addStretch(1)
        self.import_button = QPushButton("Import a folder…")
        self.import_button.setToolTip("Add images you already have (an old crawl's <hash>.<ext> "
                                      "files, a dataset folder) to the project, hashed like crawled ones.")
        self.import_button.clicked.connect(self.import_requested)
        h.addWidget(self.import_button)
        v.addLayout(h)

    def set_enabled(self, enabled: bool) -> None:
        self.resume_button.setEnabled(enabled)
        self.import_button.setEnabled(enabled)

    def selected_job(self) -> int | None:
        row = self.table.currentRow()
        return None if row < 0 else int(self.table.item(row, 0).text())

    def _resume_selected(self) -> None:
        job = self.selected_job()
        if job is not None:
            self.resume_requested.emit(job)

    def show_crawls(self, crawls) -> None:
        self.table.setRowCount(len(crawls))
        for row, job in enumerate(crawls):
            tags = " ".join(job.query.get("tags", []) + [f"-{t}" for t in job.query.get("exclude", [])])
            for col, text in enumerate((str(job.id), job.site, tags or "(all)", live_state(job),
                                        job.end_reason or "")):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.table.resizeColumnsToContents()
        # Long tag lists keep room for how a crawl ended (the whole list is in the tooltip).
        self.table.setColumnWidth(2, min(self.table.columnWidth(2), TAGS_COLUMN_PX))
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
