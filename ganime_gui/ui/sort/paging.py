"""Page mode, wired to the Sort tab: the page is exactly the grid rows fully on screen (outlined
by the grid), X marks exceptions, Enter labels the page's unlabelled images in one undoable step
(``core.sorting.page``) and shows the next page. Labels given before are never changed unless
the person asks (Shift+Enter, or the "Relabel labelled too" box)."""
from __future__ import annotations

from PySide6.QtCore import QObject

from ganime_gui.core.catalog.sorting import HistoryStep
from ganime_gui.core.sorting import fill_page, majority_label
from ganime_gui.ui.sort.page_bar import PageBar


class PageController(QObject):
    def __init__(self, tab):
        super().__init__(tab)
        self.tab = tab
        self.on = False
        self.bar = PageBar(tab)
        self.bar.toggled.connect(self.set_on)
        self.bar.label_combo.currentIndexChanged.connect(lambda _i: self.update_hint())
        tab.view.page_changed.connect(self.update_hint)

    def set_on(self, on: bool) -> None:
        """The page is what is on screen, as it is: turning page mode on moves nothing."""
        if on == self.on:
            return
        self.on = on
        tab = self.tab
        if self.bar.button.isChecked() != on:
            self.bar.button.setChecked(on)
        tab.view.set_page_mode(on)
        page = self.rows()
        if on and page and tab.current_row() not in page:
            tab.set_current(page.start)
        if not on:
            tab.model.clear_marks()
        tab.learning.sync_page_label()
        self.update_hint()

    def rows(self) -> range:
        return self.tab.view.fully_visible_rows()

    def fill_label(self) -> str | None:
        ls = self.tab.label_set
        if ls is None:
            return None
        chosen = self.bar.page_label()
        return chosen if chosen in ls.classes else majority_label(self.tab.counts, ls.classes)

    def choose_label(self, digit: int) -> None:
        ls = self.tab.label_set
        if self.on and ls is not None and digit <= len(ls.classes):
            self.bar.set_page_label(ls.classes[digit - 1])

    def toggle_marks(self) -> None:
        if not self.on:
            return
        model, page = self.tab.model, self.rows()
        ids = {model.rows[r].id for r in self.tab.target_rows() if r in page}
        model.set_marked(ids, not ids <= model.marked)
        self.update_hint()

    def fill(self, relabel: bool = False) -> HistoryStep | None:
        """The page's unlabelled images get the page label (the marked ones the other class), in
        one undoable step; labelled images keep theirs unless a relabel is asked. Next page."""
        tab = self.tab
        ls, label, rows = tab.label_set, self.fill_label(), self.rows()
        if not self.on or ls is None or label is None or not rows:
            return None
        ids = [tab.model.rows[r].id for r in rows]
        step = fill_page(tab.catalog, ls.name, ids, tab.model.marked, label,
                         relabel or self.bar.relabel_box.isChecked())
        tab.model.clear_marks()
        tab.labelled(step)
        if rows.stop >= tab.model.rowCount():
            tab.context.status("That was the last page.")
        else:
            tab.view.show_line_of(rows.stop)
            tab.set_current(rows.stop)
        self.update_hint()
        return step

    def update_hint(self) -> None:
        tab = self.tab
        if not self.on:
            tab.hint_label.setText("1–9 label · 0 clear · N next unlabelled · P page mode · "
                                   "Space preview")
            return
        rows = self.rows()
        todo = sum(1 for r in rows if tab.model.labels[r] is None)
        span = f"{rows.start + 1}–{rows.stop}" if rows else "(no whole row on screen)"
        tab.hint_label.setText(f"Page {span}: {todo} unlabelled, {len(tab.model.marked)} marked · "
                               f"Enter: “{self.fill_label()}”")
        tab.hint_label.setToolTip("X marks an exception (it gets the other class); Enter gives "
                                  "the page's unlabelled images the page label and shows the next "
                                  "page; Shift+1–9 chooses the page label; Shift+Enter relabels "
                                  "the labelled ones too")
