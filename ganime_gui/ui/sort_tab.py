"""The Sort tab: a keyboard-driven thumbnail grid that labels images into the classes of a label set.

Every label is written to the catalog (one transaction, with its undo record) before the grid
moves on, so a killed app loses nothing; labelling never moves or deletes a file. The queue logic
lives in ``ganime_gui.core.sorting``; this module only wires keys, widgets and jobs to it.
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QInputDialog, QLabel, QLineEdit, QMenu,
                               QFileDialog, QSpinBox, QToolButton, QVBoxLayout, QWidget, QCompleter)

from ganime_gui.core.catalog.sorting import HistoryStep
from ganime_gui.core.jobs import UserError, check_cancelled
from ganime_gui.core.sorting import (DUPLICATE_SET, ORDERS, SHOW_MODES, PaceMeter, QueueSpec,
                                     build_queue, compute_phashes_job, duplicate_rows,
                                     export_to_folders, find_duplicate_groups, import_from_folders,
                                     keep_best, majority_label, next_unlabelled, plan_page_fill)
from ganime_gui.core.sorting.duplicates import DuplicateGroup
from ganime_gui.core.thumbs import bucket_for
from ganime_gui.ui.context import AppContext
from ganime_gui.ui.preview import PreviewDialog
from ganime_gui.ui.widgets.thumb_grid import ThumbGridView, ThumbLoader, ThumbModel

log = logging.getLogger("ganime.ui.sort")

_SHIFTED_DIGITS = {Qt.Key.Key_Exclam: 1, Qt.Key.Key_At: 2, Qt.Key.Key_NumberSign: 3,
                   Qt.Key.Key_Dollar: 4, Qt.Key.Key_Percent: 5, Qt.Key.Key_AsciiCircum: 6,
                   Qt.Key.Key_Ampersand: 7, Qt.Key.Key_Asterisk: 8, Qt.Key.Key_ParenLeft: 9}
_NO_MODS = Qt.KeyboardModifier.NoModifier


class SortTab(QWidget):
    SHORTCUTS: list[tuple[str, str]] = [
        ("1 … 9", "Give the selected (or current) image the label with that number, then go on"),
        ("0 / Backspace", "Clear the label of the selected (or current) images"),
        ("Arrows, h j k l", "Move; with Shift, extend the selection (Ctrl+click picks images)"),
        ("N", "Jump to the next unlabelled image"),
        ("Space", "Full-size preview (arrows move, label keys work, Space closes)"),
        ("Ctrl+Z / Ctrl+Shift+Z", "Undo / redo labels, any number of steps, also after a restart"),
        ("P", "Page mode on/off"),
        ("X", "Page mode: mark / unmark the current image as an exception"),
        ("Enter", "Page mode: unmarked images get the page label, marked ones the other class; "
                  "next page"),
        ("Shift+1 … 9", "Page mode: choose the page label"),
        ("D / Shift+D", "Near-duplicate groups: keep the best (Shift: the current image), "
                        "mark the rest duplicate"),
        ("Ctrl+wheel, + / -", "Thumbnail size"),
        ("Esc", "Clear the selection; leave page mode"),
        ("F5", "Reload the grid (after a crawl or import brought new images)"),
    ]

    def __init__(self, context: AppContext, parent=None):
        super().__init__(parent)
        self.context = context
        self.pace = PaceMeter()
        self.counts: dict[str, int] = {}
        self.total = 0
        self.page_mode = False
        self.page_start = 0
        self.page_label: str | None = None     # chosen with Shift+digit; else the majority
        self.labelled_here: dict[int, str] = {}
        self.groups: list[DuplicateGroup] | None = None
        self.preview: PreviewDialog | None = None
        self._reloading = False
        self._own_signal = False   # labels_changed we emitted ourselves
        self._stale = False        # labels changed elsewhere while hidden
        self._finding_duplicates = False

        self.loader = ThumbLoader(parent=self)
        self.model = ThumbModel(self.loader, self._abspath, self)
        self.view = ThumbGridView(self)
        self.view.setModel(self.model)
        self.view.key_handler = self.handle_key
        self.view.doubleClicked.connect(lambda _index: self.open_preview())
        self.view.zoom_changed.connect(lambda _px: self._update_page_hint())

        self._build_filters()
        self.progress_label = QLabel(self)
        self.progress_label.setTextFormat(Qt.TextFormat.RichText)
        self.hint_label = QLabel(self)
        self.hint_label.setStyleSheet("color: palette(mid);")
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress_label, 1)
        bottom.addWidget(self.hint_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self.filter_row)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)
        self._add_actions()

        self._labels_signal = QTimer(self, singleShot=True, interval=400)
        self._labels_signal.timeout.connect(self._announce_labels)
        self._pace_timer = QTimer(self, interval=5000)
        self._pace_timer.timeout.connect(self._update_progress)
        context.project_changed.connect(self._on_project_changed)
        context.labels_changed.connect(self._on_labels_changed_elsewhere)
        context.files_changed.connect(self._on_files_changed)
        context.predictions_changed.connect(self._on_predictions_changed)
        self._on_project_changed(context.project)

    # -- building --------------------------------------------------------------------------------
    def _build_filters(self) -> None:
        self.set_combo = QComboBox(self)
        self.set_combo.setToolTip("Label set: keys 1–9 give its classes")
        self.sets_button = self._menu_button("Sets", [
            ("New label set…", self.new_label_set),
            ("Edit the classes of this set…", self.edit_label_set)])
        self.show_combo = QComboBox(self)
        for key, text in SHOW_MODES.items():
            self.show_combo.addItem(text, key)
        self.label_combo = QComboBox(self)
        self.label_combo.setToolTip("Show images with this label")
        self.tag_edit = QLineEdit(self)
        self.tag_edit.setPlaceholderText("tags (e.g. chibi -multiple_girls)")
        self.tag_edit.setClearButtonEnabled(True)
        self.predicted_combo = QComboBox(self)
        self.predicted_combo.setToolTip("The classifier's predicted class")
        self.min_side = QSpinBox(self)
        self.min_side.setRange(0, 20000)
        self.min_side.setSingleStep(64)
        self.min_side.setPrefix("≥ ")
        self.min_side.setSuffix(" px")
        self.min_side.setToolTip("Shortest side at least (0: any)")
        self.order_combo = QComboBox(self)
        for key, text in ORDERS.items():
            self.order_combo.addItem(text, key)
        self.page_button = QToolButton(self)
        self.page_button.setText("Page mode")
        self.page_button.setCheckable(True)
        self.page_button.setToolTip("P: mark the exceptions on the page, Enter labels the rest")
        self.page_button.toggled.connect(self.set_page_mode)
        self.tools_button = self._menu_button("More", [
            ("Find near-duplicates", self.find_duplicates),
            ("Export labels to folders…", self.export_folders),
            ("Import labels from folders…", self.import_folders)])

        row = QHBoxLayout()
        for w in (QLabel("Label set"), self.set_combo, self.sets_button, QLabel("Show"),
                  self.show_combo, self.label_combo, self.tag_edit, self.predicted_combo,
                  self.min_side, QLabel("Order"), self.order_combo, self.page_button,
                  self.tools_button):
            row.addWidget(w)
        row.setStretch(row.indexOf(self.tag_edit), 1)
        self.filter_row = row

        self.set_combo.currentIndexChanged.connect(self._on_set_changed)
        for combo in (self.show_combo, self.label_combo, self.predicted_combo, self.order_combo):
            combo.currentIndexChanged.connect(self._filters_changed)
        self.tag_edit.editingFinished.connect(self._filters_changed)
        self.min_side.editingFinished.connect(self._filters_changed)

    def _menu_button(self, text: str, items: list[tuple[str, object]]) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(button)
        for label, slot in items:
            menu.addAction(label, slot)
        button.setMenu(menu)
        return button

    def _add_actions(self) -> None:
        reload_action = QAction(self)
        reload_action.setShortcut(QKeySequence("F5"))
        reload_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        reload_action.triggered.connect(self.reload)
        self.addAction(reload_action)
        for keys, slot in ((QKeySequence.StandardKey.Undo, self.undo),
                           (QKeySequence.StandardKey.Redo, self.redo)):
            action = QAction(self)
            action.setShortcuts(QKeySequence.keyBindings(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    # -- project, label set, queue ---------------------------------------------------------------
    @property
    def catalog(self):
        return self.context.catalog

    @property
    def label_set(self):
        name = self.set_combo.currentData()
        return self.catalog.label_set(name) if self.catalog is not None and name else None

    def _abspath(self, relative: str) -> Path:
        return self.context.project.abspath(relative)

    def _refresh_tag_completer(self) -> None:
        tags = [t for t, _ in self.catalog.tag_counts()] if self.catalog is not None else []
        # No deleteLater of the old one: setCompleter already disposes of it (a second delete
        # crashes).
        self.tag_edit.setCompleter(QCompleter(tags, self.tag_edit) if tags else None)

    def _on_project_changed(self, project) -> None:
        self.loader.reset(project.thumbs_dir if project else None)
        self.groups = None
        self.pace = PaceMeter()
        self.setEnabled(project is not None)
        self._fill_set_combo()
        if project is not None and not self.catalog.label_sets():
            self.catalog.ensure_default_label_sets()
            self._fill_set_combo()
        self._refresh_tag_completer()
        self.reload()

    def _fill_set_combo(self, select: str | None = None) -> None:
        current = select or self.set_combo.currentData()
        self._reloading = True
        self.set_combo.clear()
        if self.catalog is not None:
            for ls in self.catalog.label_sets():
                self.set_combo.addItem(ls.name, ls.name)
        index = self.set_combo.findData(current)
        self.set_combo.setCurrentIndex(max(0, index))
        self._reloading = False
        self._fill_class_combos()

    def _fill_class_combos(self) -> None:
        ls = self.label_set
        self._reloading = True
        for combo, first in ((self.label_combo, None), (self.predicted_combo, "any prediction")):
            keep = combo.currentData()
            combo.clear()
            if first:
                combo.addItem(first, None)
            for cls in (ls.classes if ls else ()):
                combo.addItem(cls, cls)
            combo.setCurrentIndex(max(0, combo.findData(keep)))
        self._reloading = False
        self._sync_filter_visibility()

    def _sync_filter_visibility(self) -> None:
        self.label_combo.setVisible(self.show_combo.currentData() == "label")
        has_model = bool(self.catalog and self.label_set
                         and self.catalog.latest_model_for(self.label_set.name))
        self.predicted_combo.setVisible(has_model)
        # The model-based views wait for a classifier's predictions of this label set.
        hint = "" if has_model else "Needs a classifier's predictions (Train tab)"
        for combo, key in ((self.show_combo, "mislabelled"), (self.order_combo, "uncertain")):
            item = combo.model().item(combo.findData(key))
            item.setEnabled(has_model)
            item.setToolTip(hint)

    def _on_set_changed(self) -> None:
        if not self._reloading:
            self._fill_class_combos()
            self.reload()

    def _filters_changed(self) -> None:
        if not self._reloading:
            self._sync_filter_visibility()
            self.reload()
            if self.isVisible() and not self.label_combo.hasFocus():
                self.view.setFocus()  # back to sorting: the label keys work at once

    def spec(self) -> QueueSpec:
        return QueueSpec(
            self.set_combo.currentData() or "", show=self.show_combo.currentData(),
            label=self.label_combo.currentData(), tags=self.tag_edit.text().strip(),
            predicted=self.predicted_combo.currentData() if self.predicted_combo.isVisible()
            else None, min_side=self.min_side.value(), order=self.order_combo.currentData())

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
                    self.find_duplicates()
                    rows = []
                else:
                    rows, groups = duplicate_rows(self.catalog, spec, self.groups)
            else:
                rows = build_queue(self.catalog, spec)
        except UserError as exc:
            self.context.error("Sort", str(exc))
            rows = []
        self.model.set_rows(rows, ls.classes, dict(zip(ls.classes, ls.colors)), groups)
        self.model.set_bucket(bucket_for(self.view.thumb_px))
        self.counts = self.catalog.label_counts(ls.name)
        self.total = self.catalog.count_files()
        if rows:
            self.set_current(0)
        if self.page_mode:
            self._start_page(0)
        self._update_progress()
        self._update_page_hint()

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

    # -- labelling -------------------------------------------------------------------------------
    def label_rows(self, rows: list[int], label: str | None, advance: bool = True) -> HistoryStep | None:
        """Label these rows in the catalog (committed on return), show it, then move on."""
        ls = self.label_set
        if ls is None or not rows:
            return None
        ids = [self.model.rows[r].id for r in rows]
        step = self.catalog.apply_label_changes(ls.name, ids, label)
        if step is not None:
            self._show_step(step, undo=False)
            if label is not None:
                self.pace.record(len(step.changes))
        if self.page_mode and label is not None:
            self.labelled_here.update(dict.fromkeys(ids, label))
        if advance:
            nxt = rows[-1] + 1
            if self.page_mode:
                nxt = min(nxt, self.page_start + self.view.page_size() - 1)
            self.set_current(min(nxt, self.model.rowCount() - 1))
        return step

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

    # -- keys --------------------------------------------------------------------------------------
    def handle_key(self, event: QKeyEvent) -> bool:
        """The grid's (and preview's) keys. True when the key was used."""
        key, mods = event.key(), event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        if ctrl and key == Qt.Key.Key_Z:
            self.redo() if shift else self.undo()
            return True
        if ctrl and key == Qt.Key.Key_Y:
            self.redo()
            return True
        if ctrl or mods & Qt.KeyboardModifier.AltModifier:
            return False
        digit = _SHIFTED_DIGITS.get(key) if shift else None
        if digit is None and Qt.Key.Key_1 <= key <= Qt.Key.Key_9:
            digit = key - Qt.Key.Key_0
        ls = self.label_set
        if digit is not None:
            if ls is None or digit > len(ls.classes):
                return True
            if shift:
                if self.page_mode:
                    self.page_label = ls.classes[digit - 1]
                    self._update_page_hint()
                return True
            self.label_rows(self.target_rows(), ls.classes[digit - 1])
            return True
        if key in (Qt.Key.Key_0, Qt.Key.Key_Backspace):
            rows = self.target_rows()
            self.label_rows(rows, None, advance=False)
            for r in rows:
                self.labelled_here.pop(self.model.rows[r].id, None)
            return True
        if key == Qt.Key.Key_N:
            self.jump_to_next_unlabelled()
            return True
        if key == Qt.Key.Key_Space:
            self.open_preview()
            return True
        if key == Qt.Key.Key_P:
            self.page_button.toggle()
            return True
        if key == Qt.Key.Key_Escape:
            if self.page_mode:
                self.page_button.setChecked(False)
            else:
                self.set_current(self.current_row())
            return True
        if self.page_mode and key == Qt.Key.Key_X:
            self.toggle_marks()
            return True
        if self.page_mode and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.fill_page()
            return True
        if key == Qt.Key.Key_D and self.show_combo.currentData() == "duplicates":
            self.keep_best_of_current(use_current=shift)
            return True
        return False

    # -- page mode -------------------------------------------------------------------------------
    def set_page_mode(self, on: bool) -> None:
        if on == self.page_mode:
            return
        self.page_mode = on
        if self.page_button.isChecked() != on:
            self.page_button.setChecked(on)
        if on:
            size = self.view.page_size()
            self._start_page(max(0, self.current_row()) // size * size)
        else:
            self.model.clear_marks()
            self.labelled_here = {}
        self._update_page_hint()

    def _start_page(self, start: int) -> None:
        self.page_start = start
        self.model.clear_marks()
        self.labelled_here = {}
        if start < self.model.rowCount():
            self.view.show_row_at_top(start)
            self.set_current(start)
        self._update_page_hint()

    def page_rows(self) -> range:
        end = min(self.page_start + self.view.page_size(), self.model.rowCount())
        return range(self.page_start, end)

    def fill_label(self) -> str | None:
        ls = self.label_set
        if ls is None:
            return None
        if self.page_label in ls.classes:
            return self.page_label
        return majority_label(self.counts, ls.classes)

    def toggle_marks(self) -> None:
        ids = {self.model.rows[r].id for r in self.target_rows() if r in self.page_rows()}
        mark = not ids <= self.model.marked
        self.model.set_marked(ids, mark)
        self._update_page_hint()

    def fill_page(self) -> HistoryStep | None:
        """Every unmarked image of the page gets the page label (one undoable step); next page."""
        ls, fill = self.label_set, self.fill_label()
        rows = self.page_rows()
        if ls is None or fill is None or not rows:
            return None
        ids = [self.model.rows[r].id for r in rows]
        plan = plan_page_fill(ids, self.model.marked & set(ids), self.labelled_here, fill, ls.classes)
        step = self.catalog.apply_label_changes(ls.name, plan, plan)
        if step is not None:
            self._show_step(step, undo=False)
            self.pace.record(sum(1 for c in step.changes if c.new is not None))
        if rows.stop >= self.model.rowCount():
            self.model.clear_marks()
            self.labelled_here = {}
            self.context.status("That was the last page.")
            self._update_page_hint()
        else:
            self._start_page(rows.stop)
        return step

    def _update_page_hint(self) -> None:
        if not self.page_mode:
            self.hint_label.setText("1–9 label · 0 clear · N next unlabelled · P page mode · "
                                    "Space preview")
            return
        rows = self.page_rows()
        size = max(1, self.view.page_size())
        self.hint_label.setText(
            f"Page {self.page_start // size + 1} of {max(1, -(-self.model.rowCount() // size))}: "
            f"X marks exceptions ({len(self.model.marked)}), Enter gives the rest "
            f"“{self.fill_label()}” (Shift+1–9 changes it) · images {rows.start + 1}–{rows.stop}")

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
        parts.append(f"pace <b>{self.pace.per_minute():.0f}</b> images/min this sitting")
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
        self._sync_filter_visibility()
        if self.spec().show == "mislabelled" or self.spec().order == "uncertain":
            self.reload()

    # -- preview -----------------------------------------------------------------------------------
    def open_preview(self) -> None:
        if self.current_row() < 0:
            return
        if self.preview is None:
            self.preview = PreviewDialog(self._preview_item, self.move_by, self.handle_key, self)
        self.preview.show()
        self.preview.raise_()
        self.preview.refresh()

    def _preview_item(self) -> tuple[Path, str] | None:
        row = self.current_row()
        if row < 0:
            return None
        r = self.model.rows[row]
        label = self.model.labels[row] or "unlabelled"
        return self._abspath(r.path), f"{row + 1} / {self.model.rowCount()} · {Path(r.path).name} · " \
                                      f"{r.width}×{r.height} · {label}"

    # -- near-duplicates ---------------------------------------------------------------------------
    def find_duplicates(self) -> None:
        if self.catalog is None or self._finding_duplicates:
            return
        self._finding_duplicates = True
        project, catalog = self.context.project, self.catalog
        hash_job = compute_phashes_job(project, catalog)

        def job(progress, cancelled):
            hash_job(progress, cancelled)
            check_cancelled(cancelled)
            progress(0, 0, "Grouping near-duplicates")
            return find_duplicate_groups(catalog)

        def ended():
            self._finding_duplicates = False

        def finished(groups):
            ended()
            self.groups = groups
            self.context.status(f"{len(groups)} near-duplicate group(s) found.")
            if self.show_combo.currentData() == "duplicates":
                self.reload()
            else:
                self.show_combo.setCurrentIndex(self.show_combo.findData("duplicates"))

        def failed(message):
            ended()
            self.context.error("Near-duplicates", message)

        self.context.jobs.start(job, "Find near-duplicates", on_finished=finished,
                                on_failed=failed, on_cancelled=ended)

    def keep_best_of_current(self, use_current: bool = False) -> None:
        row = self.current_row()
        if row < 0 or self.groups is None or self.model.groups is None:
            return
        file_id = self.model.rows[row].id
        group = next((g for g in self.groups if file_id in g.members), None)
        if group is None:
            return
        keep_best(self.catalog, group, file_id if use_current else None)
        self.context.status(f"Kept 1, marked {len(group.members) - 1} as duplicate.")
        first = self.model.groups.index(self.model.groups[row])
        self.reload()   # the decided group leaves the view
        self.set_current(min(first, self.model.rowCount() - 1))  # the next group moved up here

    # -- label sets, folders ---------------------------------------------------------------------
    def new_label_set(self) -> None:
        name, ok = QInputDialog.getText(self, "New label set", "Name of the label set:")
        if not ok or not name.strip():
            return
        classes, ok = QInputDialog.getText(self, "New label set",
                                           "Classes, in key order, separated by commas:")
        if ok:
            self._guarded(lambda: self.catalog.create_label_set(name, classes.split(",")))
            self._fill_set_combo(select=name.strip())
            self.reload()

    def edit_label_set(self) -> None:
        ls = self.label_set
        if ls is None:
            return
        text, ok = QInputDialog.getText(
            self, "Edit label set", f"Classes of “{ls.name}” in key order, separated by commas. "
            f"Labels of a removed class stay in the catalog.", text=", ".join(ls.classes))
        if ok:
            self._guarded(lambda: self.catalog.set_label_classes(ls.name, text.split(",")))
            self._fill_class_combos()
            self.reload()

    def export_folders(self) -> None:
        ls = self.label_set
        if ls is None:
            return
        out = QFileDialog.getExistingDirectory(self, f"Export “{ls.name}” to folders",
                                               str(self.context.project.exports_dir))
        if not out:
            return
        self.context.jobs.start(
            export_to_folders(self.context.project, self.catalog, ls.name, out),
            f"Export {ls.name}",
            on_finished=lambda r: self.context.status(
                f"Exported {r.linked + r.copied} image(s) to {out} ({r.linked} hard-linked, "
                f"{r.copied} copied, {r.already_there} already there, {len(r.missing)} missing)."),
            on_failed=lambda msg: self.context.error("Export", msg))

    def import_folders(self) -> None:
        ls = self.label_set
        if ls is None:
            return
        folder = QFileDialog.getExistingDirectory(
            self, f"Import “{ls.name}” labels from <folder>/<class>/ folders",
            str(self.context.project.exports_dir))
        if not folder:
            return

        def finished(report):
            self.reload()
            extra = ""
            if report.unknown_folders:
                extra += f"; folders that are not classes: {', '.join(report.unknown_folders)}"
            if report.unknown_files:
                extra += f"; {len(report.unknown_files)} file(s) not in this project"
            self.context.status(f"Imported {report.labelled} label(s) ({report.unchanged} "
                                f"unchanged){extra}. Ctrl+Z undoes the import.", 15000)

        self.context.jobs.start(import_from_folders(self.catalog, ls.name, folder),
                                f"Import {ls.name}", on_finished=finished,
                                on_failed=lambda msg: self.context.error("Import", msg))

    def _guarded(self, action) -> None:
        try:
            action()
        except UserError as exc:
            self.context.error("Label sets", str(exc))
