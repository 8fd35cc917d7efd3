"""Tag entry: type a tag, get suggestions from the site, press Enter to make it a chip.

Chips are green (include) or red (exclude, typed with a leading '-'); clicking a chip's ✕ removes
it, right-clicking flips include/exclude. Chips flow by width: a row takes as many as fit.

Suggestions are fetched as an asyncio task on the app's loop (``workers.run_as_task``) after a
short pause in typing, and an answer that arrives after more typing is dropped, so typing never
waits on the network.
"""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QPoint, QRect, QSize, QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (QCompleter, QLabel, QLayout, QLineEdit, QSizePolicy, QToolButton,
                               QVBoxLayout, QWidget, QWidgetItem)

from ganime_gui.workers import run_as_task

SuggestFn = Callable[[str], list]   # prefix -> [Suggestion]; may block (runs off the UI thread)

INCLUDE_STYLE = ("QToolButton { background: #2e7d32; color: white; border-radius: 9px; "
                 "padding: 2px 8px; }")
EXCLUDE_STYLE = ("QToolButton { background: #c62828; color: white; border-radius: 9px; "
                 "padding: 2px 8px; }")


class FlowLayout(QLayout):
    """Left to right, wrapping to a new row when the next widget would not fit the width."""

    def __init__(self, parent=None, spacing: int = 4):
        super().__init__(parent)
        self._items: list = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item) -> None:  # noqa: N802 - Qt's name
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self):  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _arrange(self, rect: QRect, move: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > rect.right() + 1 and line > 0:
                x, y, line = rect.x(), y + line + self._spacing, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y()


class FlowRow(QWidget):
    """Chips in a :class:`FlowLayout`: as many per row as the width allows."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._flow = FlowLayout(self)
        self._chips: list[QWidget] = []
        policy = QSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_chips(self, chips: list[QWidget]) -> None:
        for old in self._chips:
            old.setParent(None)
            old.deleteLater()
        while self._flow.count():
            self._flow.takeAt(0)
        self._chips = chips
        for chip in chips:
            chip.setParent(self)
            self._flow.addItem(QWidgetItem(chip))
            chip.show()
        self._flow.invalidate()
        self.updateGeometry()

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._flow.heightForWidth(width)

    def sizeHint(self) -> QSize:  # noqa: N802
        width = self.width() if self.width() > 0 else 300
        return QSize(width, self._flow.heightForWidth(width))


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
        run_as_task(
            lambda: [(s.tag, s.label or s.tag) for s in fn(prefix)], receiver=self,
            on_result=lambda found: self._on_suggestions(generation, prefix, found),
            on_error=lambda exc: self._on_suggest_failed(generation, str(exc)))

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

