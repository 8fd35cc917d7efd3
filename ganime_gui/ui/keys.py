"""Key bindings as data: one table per tab, made into QActions, and the shortcut sheet and the
README's table generated from the same tables.

A :class:`Binding` names an action, the keys as a person reads them, and what they do. Its
``shortcuts`` become the QAction's shortcuts (Qt then matches them on any layout, as it does
for menus). ``digits`` bindings are the digit row: 1…9, or Shift+1…9. Qt would match those on
the symbol a layout puts on the key (``!`` on a US Shift+1, ``&`` on an unshifted AZERTY 1), so
they are matched here on the key's position instead (:func:`digit_of`) and trigger one QAction
per digit.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Callable, Iterable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence

PLAIN, SHIFT = "plain", "shift"


@dataclass(frozen=True)
class Binding:
    name: str                                  # the QAction's objectName and slot name
    keys: str                                  # as the sheet shows them
    text: str                                  # what they do
    shortcuts: tuple = ()                      # QKeySequence strings or StandardKeys; () = documented only
    digits: str | None = None                  # PLAIN or SHIFT: the digit row 1…9 by position
    count: int = 0                             # a family: shortcuts[0] formatted with 1…count
    scope: str = ""                            # which of make_actions' owners holds the action


def rows(table: Iterable[Binding]) -> list[tuple[str, str]]:
    return [(b.keys, b.text) for b in table]


def markdown_table(sections: Iterable[tuple[str, Iterable[Binding]]]) -> str:
    """The README's shortcut table: one row per binding, in table order."""
    lines = ["| Where | Keys | What it does |", "|---|---|---|"]
    for where, table in sections:
        lines += [f"| {where} | {keys} | {text} |" for keys, text in rows(table)]
    return "\n".join(lines)


def sequences(shortcuts: Iterable) -> list[QKeySequence]:
    """QKeySequences of strings and StandardKeys, each once (a sequence bound twice to one action
    makes Qt call it ambiguous and trigger nothing)."""
    out: dict[str, QKeySequence] = {}
    for s in shortcuts:
        for seq in (QKeySequence.keyBindings(s) if isinstance(s, QKeySequence.StandardKey)
                    else [QKeySequence(s)]):
            out.setdefault(seq.toString(), seq)
    return list(out.values())


def make_actions(owners, table: Iterable[Binding], slots: dict[str, Callable],
                 context: Qt.ShortcutContext = Qt.ShortcutContext.WidgetWithChildrenShortcut
                 ) -> dict[str, QAction]:
    """One QAction per binding, added to its owner (``owners``: one widget, or a dict scope ->
    widget). A digit binding makes nine (``name_1`` … ``name_9``) that :class:`DigitRouter`
    triggers, a family ``count``; both call their slot with the number. A binding without a slot
    raises KeyError, so the table and the code cannot drift apart."""
    owners = owners if isinstance(owners, dict) else {"": owners}
    actions: dict[str, QAction] = {}
    for b in table:
        if not (b.shortcuts or b.digits or b.count):
            continue   # documented only: the widget handles these keys itself
        slot = slots[b.name]
        owner = owners[b.scope] if b.scope or "" in owners else next(iter(owners.values()))
        numbered = range(1, 10) if b.digits else range(1, b.count + 1)
        for n in numbered:
            action = QAction(f"{b.text} ({n})", owner)
            action.setObjectName(f"{b.name}_{n}")
            action.triggered.connect(lambda _=False, s=slot, n=n: s(n))
            actions[action.objectName()] = action
            if b.count:
                action.setShortcut(QKeySequence(b.shortcuts[0].format(n)))
                action.setShortcutContext(context)
                owner.addAction(action)
        if numbered:
            continue
        action = QAction(b.text, owner)
        action.setObjectName(b.name)
        action.setShortcuts(sequences(b.shortcuts))
        action.setShortcutContext(context)
        action.triggered.connect(lambda _=False, s=slot: s())
        actions[b.name] = action
        owner.addAction(action)
    return actions


# Physical digit-row keys 1…9: Windows and X11/Wayland scan codes, macOS virtual key codes.
_SCAN_WINDOWS = {0x02 + i: i + 1 for i in range(9)}
_SCAN_XKB = {10 + i: i + 1 for i in range(9)}                  # evdev KEY_1 (2) + 8
_VK_MAC = {0x12: 1, 0x13: 2, 0x14: 3, 0x15: 4, 0x17: 5, 0x16: 6, 0x1A: 7, 0x1C: 8, 0x19: 9}


def digit_of(key: int, scan_code: int = 0, virtual_key: int = 0, keypad: bool = False,
             platform: str = sys.platform) -> int | None:
    """The digit 1…9 of a key press on the digit row or keypad, whatever the layout prints on
    the key and whether Shift is held; None for any other key.

    The key's position comes first (the native scan code, on macOS the virtual key code); Qt's key
    code is the fallback when there is no native code (synthetic events, the offscreen platform).
    """
    if keypad:
        return key - Qt.Key.Key_0 if Qt.Key.Key_1 <= key <= Qt.Key.Key_9 else None
    if platform == "darwin":
        if virtual_key in _VK_MAC:
            return _VK_MAC[virtual_key]
    elif scan_code:
        position = (_SCAN_WINDOWS if platform.startswith("win") else _SCAN_XKB).get(scan_code)
        if position is not None or virtual_key:
            return position   # a real key with a native code that is not on the digit row
    return key - Qt.Key.Key_0 if Qt.Key.Key_1 <= key <= Qt.Key.Key_9 else None


def event_digit(event: QKeyEvent) -> int | None:
    return digit_of(event.key(), event.nativeScanCode(), event.nativeVirtualKey(),
                    bool(event.modifiers() & Qt.KeyboardModifier.KeypadModifier))


class DigitRouter(QObject):
    """Watches key presses on some widgets and triggers ``<name>_<digit>`` for the digit
    bindings: PLAIN without modifiers, SHIFT with Shift only."""

    def __init__(self, table: Iterable[Binding], actions: dict[str, QAction], parent=None):
        super().__init__(parent)
        self._by_mode = {b.digits: b.name for b in table if b.digits}
        self._actions = actions
        self.enabled: Callable[[], bool] = lambda: True

    def watch(self, widget) -> None:
        widget.installEventFilter(self)

    def action_for(self, event: QKeyEvent) -> QAction | None:
        """The digit action this key press triggers, if any (Ctrl/Alt+digit: none)."""
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        mode = {Qt.KeyboardModifier.NoModifier: PLAIN,
                Qt.KeyboardModifier.ShiftModifier: SHIFT}.get(mods)
        name = self._by_mode.get(mode)
        digit = event_digit(event) if name and self.enabled() else None
        return None if digit is None else self._actions[f"{name}_{digit}"]

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.KeyPress:
            action = self.action_for(event)
            if action is not None:
                action.trigger()
            return action is not None
        if event.type() == QEvent.Type.ShortcutOverride and self.action_for(event) is not None:
            event.accept()   # a digit is ours: no other shortcut takes it first
            return True
        return False
