"""Tag entry: type a tag, get suggestions from the site, press Enter to make it a chip.

Chips are green (include) or red (exclude, typed with a leading '-'); clicking a chip's ✕ removes
it, right-clicking flips include/exclude. Suggestions are fetched on a background thread after a
short pause in typing, and an answer that arrives after more typing is dropped, so typing never
waits on the network.
"""
from __future__ import annotations

import threading
from typing import Callable

from PySide6.QtCore import QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (QCompleter, QHBoxLayout, QLabel, QLayout, QLineEdit, QSizePolicy,
                               QToolButton, QVBoxLayout, QWidget)

SuggestFn = Callable[[str], list]   # prefix -> [Suggestion]; may block (runs off the UI thread)

INCLUDE_STYLE = ("QToolButton { background: #2e7d32; color: white; border-radius: 9px; "
                 "padding: 2px 8px; }")
EXCLUDE_STYLE = ("QToolButton { background: #c62828; color: white; border-radius: 9px; "
                 "padding: 2px 8px; }")


class _SuggestionRelay(QObject):
    """Carries a finished lookup from the worker thread back to the UI thread (queued signal)."""

    ready = Signal(int, str, list)     # generation, prefix, [(tag, label)]
    failed = Signal(int, str)


class FlowRow(QWidget):
    """Chips laid out left to right, wrapping onto new rows."""

    def __init__(self, parent=None, per_row: int = 6):
        super().__init__(parent)
        self.per_row = per_row
        self._box = QVBoxLayout(self)
        self._box.setContentsMargins(0, 0, 0, 0)
        self._box.setSpacing(3)
        self._box.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        self._chips: list[QWidget] = []

    def set_chips(self, chips: list[QWidget]) -> None:
        for old in self._chips:
            old.setParent(None)
            old.deleteLater()
        while self._box.count():
            item = self._box.takeAt(0)
            if item.layout():
                item.layout().deleteLater()
        self._chips = chips
        for start in range(0, len(chips), self.per_row):
            row = QHBoxLayout()
            row.setSpacing(4)
            for chip in chips[start:start + self.per_row]:
                row.addWidget(chip)
            row.addStretch(1)
            self._box.addLayout(row)


class TagInput(QWidget):
    tags_changed = Signal()

    DEBOUNCE_MS = 250

    def __init__(self, parent=None, placeholder: str = "type a tag, Enter adds it; -tag excludes"):
        super().__init__(parent)
        self._include: list[str] = []
        self._exclude: list[str] = []
        self._suggest: SuggestFn | None = None
        self._generation = 0
        self.suggest_error = ""

        self.edit = QLineEdit()
        self.edit.setPlaceholderText(placeholder)
        self.edit.setClearButtonEnabled(True)
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        self.edit.setCompleter(self.completer)
        self.completer.activated.connect(self._on_completion_chosen)
        self.edit.returnPressed.connect(self.commit_text)
        self.edit.textEdited.connect(self._on_text_edited)

        self.chips = FlowRow()
        self.hint = QLabel()
        self.hint.setStyleSheet("color: palette(mid);")
        self.hint.setVisible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit)
        layout.addWidget(self.chips)
        layout.addWidget(self.hint)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DEBOUNCE_MS)
        self._timer.timeout.connect(self._lookup)
        self._relay = _SuggestionRelay(self)
        self._relay.ready.connect(self._on_suggestions)
        self._relay.failed.connect(self._on_suggest_failed)

    # -- public ----------------------------------------------------------------------------------
    def set_suggest_source(self, fn: SuggestFn | None) -> None:
        self._suggest = fn
        self._generation += 1
        self.model.setStringList([])

    def include_tags(self) -> list[str]:
        return list(self._include)

    def exclude_tags(self) -> list[str]:
        return list(self._exclude)

    def set_tags(self, include, exclude=()) -> None:
        self._include = [t for t in dict.fromkeys(include) if t]
        self._exclude = [t for t in dict.fromkeys(exclude) if t and t not in self._include]
        self._rebuild()

    def add_tag(self, text: str) -> None:
        for word in text.replace(",", " ").split():
            exclude = word.startswith("-")
            tag = word.lstrip("-").strip()
            if not tag:
                continue
            for lst in (self._include, self._exclude):
                if tag in lst:
                    lst.remove(tag)
            (self._exclude if exclude else self._include).append(tag)
        self._rebuild()

    def commit_text(self) -> None:
        """Turn what is typed into chips (Enter, or Start with text still in the box)."""
        text = self.edit.text().strip()
        if text:
            self.add_tag(text)
        self.edit.clear()

    def remove_tag(self, tag: str) -> None:
        for lst in (self._include, self._exclude):
            if tag in lst:
                lst.remove(tag)
        self._rebuild()

    def toggle_tag(self, tag: str) -> None:
        if tag in self._include:
            self._include.remove(tag)
            self._exclude.append(tag)
        elif tag in self._exclude:
            self._exclude.remove(tag)
            self._include.append(tag)
        self._rebuild()

    # -- chips -----------------------------------------------------------------------------------
    def _rebuild(self) -> None:
        chips = [self._chip(t, False) for t in self._include] + [self._chip(t, True) for t in self._exclude]
        self.chips.set_chips(chips)
        self.tags_changed.emit()

    def _chip(self, tag: str, exclude: bool) -> QToolButton:
        chip = QToolButton()
        chip.setText(f"{'−' if exclude else ''}{tag}  ✕")
        chip.setObjectName(f"chip:{'-' if exclude else ''}{tag}")
        chip.setStyleSheet(EXCLUDE_STYLE if exclude else INCLUDE_STYLE)
        chip.setToolTip(("Excluded" if exclude else "Included") +
                        ": click to remove, right-click to " + ("include" if exclude else "exclude"))
        chip.setCursor(Qt.CursorShape.PointingHandCursor)
        chip.clicked.connect(lambda _=False, t=tag: self.remove_tag(t))
        chip.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        chip.customContextMenuRequested.connect(lambda _pos, t=tag: self.toggle_tag(t))
        return chip

    # -- suggestions -----------------------------------------------------------------------------
    def _current_word(self) -> str:
        words = self.edit.text().split()
        return words[-1] if words and not self.edit.text().endswith(" ") else ""

    def _on_text_edited(self, _text: str) -> None:
        if self.edit.text().endswith((" ", ",")):
            self.commit_text()
            return
        self._generation += 1       # any answer for older text is now stale
        if self._suggest is not None and len(self._current_word().lstrip("-")) >= 1:
            self._timer.start()

    def _lookup(self) -> None:
        prefix = self._current_word()
        fn = self._suggest
        if fn is None or not prefix.lstrip("-"):
            return
        generation = self._generation
        relay = self._relay

        def work() -> None:
            try:
                found = [(s.tag, s.label or s.tag) for s in fn(prefix)]
            except Exception as exc:  # noqa: BLE001 - shown as a hint, typing goes on
                _emit(relay.failed, generation, str(exc))
                return
            _emit(relay.ready, generation, prefix, found)

        threading.Thread(target=work, name="tag-suggest", daemon=True).start()

    def _on_suggestions(self, generation: int, prefix: str, found: list) -> None:
        if generation != self._generation:
            return  # the user typed on: this answer is for old text
        minus = "-" if prefix.startswith("-") else ""
        self.model.setStringList([minus + tag for tag, _label in found])
        self.hint.setVisible(False)
        self.suggest_error = ""
        if found and self.edit.hasFocus():
            self.completer.setCompletionPrefix(prefix)
            self.completer.complete()

    def _on_suggest_failed(self, generation: int, message: str) -> None:
        if generation != self._generation:
            return
        self.suggest_error = message
        self.hint.setText(message)
        self.hint.setVisible(True)

    def _on_completion_chosen(self, text: str) -> None:
        words = self.edit.text().split()[:-1]
        self.edit.setText(" ".join(words + [text]))
        self.commit_text()


def _emit(signal, *args) -> None:
    try:
        signal.emit(*args)
    except RuntimeError:  # the widget was deleted while the lookup ran
        pass
