"""The Sort tab: a keyboard-driven thumbnail grid that labels images into the classes of a label set.

Every label is written to the catalog (one transaction, with its undo record) before the grid
moves on, so a killed app loses nothing; labelling never moves or deletes a file. The queue and
page logic lives in ``ganime_gui.core.sorting``, the keys in ``ui/sort/keys.py`` (one table: the
QActions, the shortcut sheet and the README come from it), the widgets in ``ui/sort/``; this module
wires them together.
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from ganime_gui.core.catalog.sorting import HistoryStep
from ganime_gui.core.jobs import UserError
from ganime_gui.core.sorting import PaceMeter, build_queue, duplicate_rows, next_unlabelled
from ganime_gui.core.sorting.duplicates import DUPLICATE_SET, DuplicateGroup
from ganime_gui.core.sorting.funnel import record_checks
from ganime_gui.core.thumbs import bucket_for
from ganime_gui.ui.context import AppContext
from ganime_gui.ui.keys import DigitRouter, make_actions
from ganime_gui.ui.preview import PreviewDialog, open_preview
from ganime_gui.ui.sort import dialogs, duplicate_groups
from ganime_gui.ui.sort.filter_bar import FilterBar, hbox, menu_button
from ganime_gui.ui.sort.funnel_view import FunnelDialog
from ganime_gui.ui.sort.grid import SortGridView
from ganime_gui.ui.sort.keys import KEYS
from ganime_gui.ui.sort.learning import LearnController
from ganime_gui.ui.sort.paging import PageController
from ganime_gui.ui.widgets.thumb_grid import ThumbLoader, ThumbModel

log = logging.getLogger("ganime.ui.sort")

NOT_IN_PREVIEW = ("preview", "escape", "reload")   # the preview has its own Space and Esc


class SortTab(QWidget):
    KEYS = KEYS

    def __init__(self, context: AppContext, parent=None):
        super().__init__(parent)
        self.context = context
        self.pace = PaceMeter()
        self.counts: dict[str, int] = {}
        self.total = 0
        self.groups: list[DuplicateGroup] | None = None
        self.preview: PreviewDialog | None = None
        self._own_signal = False   # labels_changed we emitted ourselves
        self._stale = False        # labels changed elsewhere while hidden
        self.finding_duplicates = False

        self.loader = ThumbLoader(parent=self)
        self.model = ThumbModel(self.loader, self._abspath, self)
        self.view = SortGridView(self)
        self.view.setModel(self.model)
        self.view.doubleClicked.connect(lambda _index: self.open_preview())
        self.view.zoom_changed.connect(lambda _px: self.paging.update_hint())

        self.filters = FilterBar([("New label set…", lambda: dialogs.new_label_set(self)),
                                  ("Edit the classes of this set…",
                                   lambda: dialogs.edit_label_set(self))], self)
        self.tools_button = menu_button(self, "More", [
            ("Find near-duplicates", lambda: duplicate_groups.find(self)),
            ("Export labels to folders…", lambda: dialogs.export_folders(self)),
            ("Import labels from folders…", lambda: dialogs.import_folders(self)),
            ("Funnel and spot checks…", self.open_funnel)])
        self.learning = LearnController(self)
        self.paging = PageController(self)
        self.page_bar = self.paging.bar
        self.progress_label = QLabel(self)
        self.progress_label.setTextFormat(Qt.TextFormat.RichText)
        self.progress_label.setToolTip("Labels per class, of all images, in this view; the pace "
                                       "is images labelled per minute this sitting")
        self.hint_label = QLabel(self)
        self.hint_label.setStyleSheet("color: palette(mid);")
        self.hint_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        for widgets, stretch in (((self.filters, self.tools_button), 0), ((self.page_bar, 12,
                                 self.learning.panel), 0), ((self.view,), 1),
                                 ((self.progress_label, 12, self.learning.panel.status, 12,
                                   self.hint_label), 0)):
            layout.addLayout(hbox(*widgets), stretch)

        self.actions = make_actions({"grid": self.view, "tab": self}, KEYS, self._slots())
        self.digits = DigitRouter(KEYS, self.actions, self)
        self.digits.watch(self.view)

        self.filters.set_changed.connect(self._on_set_changed)
        self.filters.changed.connect(self._filters_changed)
        self._labels_signal = QTimer(self, singleShot=True, interval=400)
        self._labels_signal.timeout.connect(self._announce_labels)
        self._pace_timer = QTimer(self, interval=5000)
        self._pace_timer.timeout.connect(self._update_progress)
        context.project_changed.connect(self._on_project_changed)
        context.labels_changed.connect(self._on_labels_changed_elsewhere)
        context.files_changed.connect(self._on_files_changed)
        context.predictions_changed.connect(self._on_predictions_changed)
        self._on_project_changed(context.project)

    def _slots(self) -> dict:
        slots = {
            "label": self.label_digit, "clear": self.clear_labels,
            "next_unlabelled": self.jump_to_next_unlabelled, "preview": self.open_preview,
            "undo": self.undo, "redo": self.redo, "page_mode": self.page_bar.button.toggle,
            "mark": self.paging.toggle_marks, "fill_page": self.paging.fill,
            "fill_page_all": lambda: self.paging.fill(relabel=True),
            "page_label": self.paging.choose_label,
            "keep_best": lambda: duplicate_groups.keep_best_of_current(self),
            "keep_current": lambda: duplicate_groups.keep_best_of_current(self, use_current=True),
            "escape": self.escape, "reload": self.reload}

        def then_refresh(slot):
            def run(*args):
                slot(*args)
                if self.preview is not None and self.preview.isVisible():
                    self.preview.refresh()
            return run
        return {name: then_refresh(slot) for name, slot in slots.items()}

    # -- project, label set, queue ---------------------------------------------------------------
    @property
    def catalog(self):
        return self.context.catalog

    @property
    def label_set(self):
        name = self.filters.label_set_name()
        return self.catalog.label_set(name) if self.catalog is not None and name else None

    def _abspath(self, relative: str) -> Path:
        return self.context.project.abspath(relative)

    def _refresh_tag_completer(self) -> None:
        self.filters.set_tags([t for t, _ in self.catalog.tag_counts()]
                              if self.catalog is not None else [])

    def _on_project_changed(self, project) -> None:
        self.loader.reset(project.thumbs_dir if project else None)
        self.groups = None
        self.pace = PaceMeter()
        self.learning.reset()
        self.setEnabled(project is not None)
        if project is not None and not self.catalog.label_sets():
            self.catalog.ensure_default_label_sets()
        self._refresh_tag_completer()
        self.fill_sets()

    def fill_sets(self, select: str | None = None) -> None:
        """Refill the label sets and their classes (after a change), then reload."""
        self.filters.fill_sets([ls.name for ls in self.catalog.label_sets()]
                               if self.catalog is not None else [], select)
        self._fill_classes()
        self.reload()

    def _has_model(self) -> bool:
        ls = self.label_set
        return bool(ls and self.catalog.latest_model_for(ls.name))

    def _fill_classes(self) -> None:
        classes = self.label_set.classes if self.label_set else ()
        self.filters.fill_classes(classes, self._has_model())
        self.page_bar.fill_classes(classes)
        self.learning.panel.fill_classes(classes)

    def _on_set_changed(self) -> None:
        self.learning.reset()
        self._fill_classes()
        self.reload()

    def _filters_changed(self) -> None:
        self.reload()
        if self.isVisible() and not self.filters.label_combo.hasFocus():
            self.view.setFocus()  # back to sorting: the label keys work at once

    def spec(self):
        return self.filters.spec()

    def reload(self) -> None:
        """Rebuild the queue from the catalog with the current filters."""
        ls = self.label_set
        if self.catalog is None or ls is None:
            self.model.set_rows([], (), {})
            self._update_progress()
            return
        spec = self.spec()
        groups = None
        try:
            if spec.show == "duplicates":
                if self.groups is None:
                    self.hint_label.setText("Finding near-duplicates…")
                    duplicate_groups.find(self)
                    rows = []
                else:
                    rows, groups = duplicate_rows(self.catalog, spec, self.groups)
            else:
                rows = self.learning.ordered(build_queue(self.catalog, spec))
        except UserError as exc:
            self.context.error("Sort", str(exc))
            rows = []
        self.model.set_rows(rows, ls.classes, dict(zip(ls.classes, ls.colors)), groups)
        self.model.set_bucket(bucket_for(self.view.thumb_px))
        self.counts = self.catalog.label_counts(ls.name)
        self.total = self.catalog.count_files()
        if rows:
            self.set_current(0)
            self.view.show_line_of(0)
        self._update_progress()
        self.paging.update_hint()

    # -- moving ------------------------------------------------------------------------------------
    def current_row(self) -> int:
        index = self.view.currentIndex()
        return index.row() if index.isValid() else -1

    def set_current(self, row: int) -> None:
        """Make ``row`` current and the only selected image, and show it."""
        if not 0 <= row < self.model.rowCount():
            return
        index = self.model.index(row)
        self.view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(index)

    def move_by(self, delta: int) -> None:
        self.set_current(max(0, min(self.model.rowCount() - 1, self.current_row() + delta)))

    def target_rows(self) -> list[int]:
        """The selected rows, or the current one when nothing is selected."""
        rows = sorted(i.row() for i in self.view.selectionModel().selectedIndexes())
        if not rows and self.current_row() >= 0:
            rows = [self.current_row()]
        return rows

    def jump_to_next_unlabelled(self) -> None:
        row = next_unlabelled(self.model.labels, self.current_row())
        if row is None:
            self.context.status("Every image in this view has a label.")
        else:
            self.set_current(row)

    @property
    def page_mode(self) -> bool:
        return self.paging.on

    def page_rows(self) -> range:
        return self.paging.rows()

    def escape(self) -> None:
        if self.page_mode:
            self.page_bar.button.setChecked(False)
        else:
            self.set_current(self.current_row())

    # -- labelling -------------------------------------------------------------------------------
    def label_digit(self, digit: int) -> None:
        ls = self.label_set
        if ls is not None and digit <= len(ls.classes):
            self.label_rows(self.target_rows(), ls.classes[digit - 1])

    def clear_labels(self) -> None:
        self.label_rows(self.target_rows(), None, advance=False)

    def label_rows(self, rows: list[int], label: str | None, advance: bool = True) -> HistoryStep | None:
        """Label these rows in the catalog (committed on return), show it, then move on."""
        ls = self.label_set
        if ls is None or not rows:
            return None
        ids = [self.model.rows[r].id for r in rows]
        step = self.catalog.apply_label_changes(ls.name, ids, label)
        if self.spec().show == "spot_check":
            record_checks(self.catalog, ids, checked=label is not None)
        self.labelled(step)
        if advance:
            nxt = rows[-1] + 1
            page = self.page_rows()
            if self.page_mode and page:
                nxt = min(nxt, page.stop - 1)
            self.set_current(min(nxt, self.model.rowCount() - 1))
        return step

    def labelled(self, step: HistoryStep | None) -> None:
        if step is None:
            return
        self._show_step(step, undo=False)
        given = sum(1 for c in step.changes if c.new is not None)
        self.pace.record(given)
        self.learning.note_labels(given)

    def _show_step(self, step: HistoryStep, undo: bool) -> None:
        """Reflect a step the catalog already has: badges, counts, progress."""
        ls = self.label_set
        if ls is not None and step.label_set == ls.name:
            changes = {c.file_id: (c.old if undo else c.new) for c in step.changes}
            self.model.set_labels(changes)
            for c in step.changes:
                before, after = (c.new, c.old) if undo else (c.old, c.new)
                if before is not None:
                    self.counts[before] = self.counts.get(before, 0) - 1
                if after is not None:
                    self.counts[after] = self.counts.get(after, 0) + 1
        self._update_progress()
        self._labels_signal.start()

    def undo(self) -> None:
        self._undo_redo(self.catalog.undo_label_step, undo=True)

    def redo(self) -> None:
        self._undo_redo(self.catalog.redo_label_step, undo=False)

    def _undo_redo(self, action, undo: bool) -> None:
        if self.catalog is None:
            return
        try:
            step = action()
        except UserError as exc:
            self.context.error("Undo", str(exc))
            return
        if step is None:
            self.context.status("Nothing to undo." if undo else "Nothing to redo.")
            return
        verb = "Undid" if undo else "Redid"
        self.context.status(f"{verb} {len(step.changes)} label(s) in “{step.label_set}”.")
        if step.label_set == DUPLICATE_SET:
            self.reload()  # hidden duplicates come back (or go), a group is open again
            return
        self._show_step(step, undo)
        rows = [r for c in step.changes if (r := self.model.row_of(c.file_id)) is not None]
        if rows:
            self.set_current(min(rows))

    # -- progress ----------------------------------------------------------------------------------
    def _update_progress(self) -> None:
        ls = self.label_set
        if ls is None:
            self.progress_label.setText("No project open." if self.catalog is None else "")
            return
        parts = [f'<span style="color:{c}">■</span> {i + 1} {name}: <b>{self.counts.get(name, 0)}</b>'
                 for i, (name, c) in enumerate(zip(ls.classes, ls.colors))]
        labelled = sum(self.counts.get(c, 0) for c in ls.classes)
        parts.append(f"labelled <b>{labelled}</b> / {self.total}")
        parts.append(f"in view {self.model.rowCount()}")
        parts.append(f"pace <b>{self.pace.per_minute():.0f}</b>/min")
        self.progress_label.setText(" &nbsp;·&nbsp; ".join(parts))

    def _announce_labels(self) -> None:
        self._own_signal = True
        self.context.labels_changed.emit()
        self._own_signal = False

    def _on_labels_changed_elsewhere(self) -> None:
        if self._own_signal:
            return
        if self.isVisible():
            self.reload()
        else:
            self._stale = True

    def _on_files_changed(self) -> None:
        # Reloading moves the cursor back to the first image, so a user in the middle of sorting
        # is only told; the grid reloads by itself when it is hidden or empty.
        if self.isVisible() and self.model.rowCount() > 0:
            self.hint_label.setText("New images arrived: press F5 to show them")
        elif self.isVisible():
            self.reload()
        else:
            self._stale = True

    def hideEvent(self, event) -> None:
        super().hideEvent(event)
        self._pace_timer.stop()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.view.setFocus()  # digits label at once after Ctrl+2, no click needed first
        self._pace_timer.start()
        self._refresh_tag_completer()  # the crawler may have brought new tags meanwhile
        if self._stale:
            self._stale = False
            self.reload()

    def _on_predictions_changed(self) -> None:
        self.filters.sync_visibility(self._has_model())
        if self.spec().show == "mislabelled" or self.spec().order == "uncertain":
            self.reload()

    def open_funnel(self) -> FunnelDialog | None:
        if self.catalog is None:
            return None
        dialog = FunnelDialog(self)
        dialog.show()
        return dialog

    # -- preview -----------------------------------------------------------------------------------
    def open_preview(self) -> None:
        if self.current_row() >= 0:
            self.preview = open_preview(self, self.preview, NOT_IN_PREVIEW)

