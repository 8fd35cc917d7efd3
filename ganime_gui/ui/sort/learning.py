"""Learn as I sort, wired to the Sort tab: counts the tab's new labels, runs a round in the
background when one is due, and re-orders the queue ahead of the person without moving their
place (the loop and the ordering are ``core.sorting.active``)."""
from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject

from ganime_gui.core.catalog.sorting import QueueRow
from ganime_gui.core.sorting.active import (SUREST, LearnConfig, LearnLoop, LearnRound,
                                            make_learn_job, reorder)
from ganime_gui.ui.sort.learn_panel import LearnPanel


class LearnController(QObject):
    def __init__(self, tab):
        super().__init__(tab)
        self.tab = tab
        self.config = LearnConfig()
        self.panel = LearnPanel(tab)
        self.loop = LearnLoop(every=self.panel.every_spin.value())
        self.panel.toggled.connect(self._on_toggled)
        self.panel.order_changed.connect(self._on_order_changed)
        self.panel.retrain_requested.connect(self.start)
        self.panel.every_spin.valueChanged.connect(self._on_every_changed)
        self.panel.features_combo.currentIndexChanged.connect(self._on_features_changed)

    def enabled(self) -> bool:
        return self.panel.enabled()

    def reset(self) -> None:
        """Another project or label set: the old model says nothing about it."""
        self.loop = LearnLoop(every=self.panel.every_spin.value())
        self._show()

    def note_labels(self, n: int) -> None:
        if self.enabled() and self.loop.note_labels(n):
            self.start()
        self._show()

    def start(self) -> None:
        tab = self.tab
        ls = tab.label_set
        if not self.enabled() or self.loop.running or ls is None or tab.context.project is None:
            return
        if sum(1 for n in tab.counts.values() if n > 0) < 2:
            return     # nothing to learn before two classes have labels; asked again later
        self.loop.start()
        loop = self.loop
        tab.context.jobs.start(
            make_learn_job(tab.context.project, ls.name, self.config), "Learn as I sort",
            on_finished=lambda result: self._finished(loop, result),
            on_failed=lambda message: self._failed(loop, message),
            on_cancelled=lambda: self._finished(loop, None))
        self._show()

    def _finished(self, loop: LearnLoop, result: LearnRound | None) -> None:
        loop.finish(result)
        if loop is not self.loop:        # the project or set changed meanwhile
            return
        if result is not None and self.tab.label_set is not None \
                and result.label_set == self.tab.label_set.name:
            self.tab.filters.sync_visibility(True)   # its scores are the newest predictions
            self.apply_order()
        if self.loop.due():
            self.start()
        self._show()

    def _failed(self, loop: LearnLoop, message: str) -> None:
        loop.finish(None)
        self.panel.enable_box.setChecked(False)
        self.tab.context.error("Learn as I sort", message)

    # -- the queue ---------------------------------------------------------------------------------
    def _usable(self) -> LearnRound | None:
        last, ls = self.loop.last, self.tab.label_set
        if not self.enabled() or last is None or ls is None or last.label_set != ls.name \
                or self.tab.spec().show == "duplicates":
            return None
        return last

    def ordered(self, rows: list[QueueRow]) -> list[QueueRow]:
        """A freshly built queue in the model's order (used on reload)."""
        last = self._usable()
        if last is None:
            return rows
        return reorder(rows, 0, {r.id for r in rows if r.label is not None}, last, self.panel.order())

    def apply_order(self) -> None:
        """Re-order what lies ahead: the rows up to the current one, and the page in page mode,
        stay where they are; so do the marks and the scroll position."""
        last, tab = self._usable(), self.tab
        if last is None or tab.model.rowCount() == 0:
            return
        model, view = tab.model, tab.view
        current = max(0, tab.current_row())
        keep = max(current + 1, tab.page_rows().stop if tab.page_mode else 0)
        rows = [r if r.label == lab else dataclasses.replace(r, label=lab)
                for r, lab in zip(model.rows, model.labels)]
        labelled = {r.id for r in rows if r.label is not None}
        new = reorder(rows, keep, labelled, last, self.panel.order())
        if [r.id for r in new] == [r.id for r in rows]:
            return
        marked, scroll = set(model.marked), view.verticalScrollBar().value()
        ls = tab.label_set
        model.set_rows(new, ls.classes, dict(zip(ls.classes, ls.colors)))
        model.set_marked(marked, True)
        tab.set_current(current)
        view.verticalScrollBar().setValue(scroll)

    def sync_page_label(self) -> None:
        """Model-ordered pages: with "surest <class> first", the page label is that class."""
        order = self.panel.order()
        if self.enabled() and self.tab.page_mode and order.startswith(SUREST):
            self.tab.page_bar.set_page_label(order[len(SUREST):])

    # -- the panel ---------------------------------------------------------------------------------
    def _on_toggled(self, on: bool) -> None:
        if on and self.loop.last is None:
            self.start()     # a first model from the labels there are, if any
        elif on:
            self.apply_order()
        self.sync_page_label()
        self._show()

    def _on_order_changed(self) -> None:
        self.apply_order()
        self.sync_page_label()

    def _on_features_changed(self) -> None:
        backbone, weights = self.panel.features()
        self.config = dataclasses.replace(self.config, backbone=backbone, weights=weights,
                                          input_size=None)
        self.reset()                 # a model on other features: start over
        self.start()

    def _on_every_changed(self, value: int) -> None:
        self.loop.every = value
        if self.enabled() and self.loop.due():
            self.start()
        self._show()

    def _show(self) -> None:
        self.panel.show_state(self.loop, self.config.backbone)
