"""The Sort tab's keys: the one table its QActions, the shortcut sheet and the README come from.

Scope "grid": the thumbnail grid (and the preview) must have the keyboard focus; "tab": anywhere
in the tab. Bindings without shortcuts are handled by the grid widget itself and listed here so
the sheet shows them.
"""
from PySide6.QtGui import QKeySequence

from ganime_gui.ui.keys import PLAIN, SHIFT, Binding

KEYS: tuple[Binding, ...] = (
    Binding("label", "1 … 9", "Give the selected (or current) image the label with that number, "
            "then go on", digits=PLAIN),
    Binding("clear", "0 / Backspace", "Clear the label of the selected (or current) images",
            ("0", "Backspace"), scope="grid"),
    Binding("move", "Arrows, h j k l", "Move; with Shift, extend the selection (Ctrl+click picks "
            "images)"),
    Binding("next_unlabelled", "N", "Jump to the next unlabelled image", ("N",), scope="grid"),
    Binding("preview", "Space", "Full-size preview (arrows move, label keys work, Space closes)",
            ("Space",), scope="grid"),
    Binding("undo", "Ctrl+Z", "Undo labels, any number of steps, also after a restart",
            (QKeySequence.StandardKey.Undo,), scope="tab"),
    Binding("redo", "Ctrl+Shift+Z / Ctrl+Y", "Redo what was undone",
            (QKeySequence.StandardKey.Redo, "Ctrl+Y"), scope="tab"),
    Binding("page_mode", "P", "Page mode on/off: the page is the rows fully on screen, outlined",
            ("P",), scope="grid"),
    Binding("mark", "X", "Page mode: mark / unmark the current image as an exception", ("X",),
            scope="grid"),
    Binding("fill_page", "Enter", "Page mode: the page's unlabelled images get the page label "
            "(marked ones the other class), labelled ones keep theirs; next page",
            ("Return", "Enter"), scope="grid"),
    Binding("fill_page_all", "Shift+Enter", "Page mode: the same, and relabel the labelled "
            "images of the page too", ("Shift+Return", "Shift+Enter"), scope="grid"),
    Binding("page_label", "Shift+1 … 9", "Page mode: choose the page label (by key position: "
            "any keyboard layout)", digits=SHIFT),
    Binding("keep_best", "D", "Near-duplicate groups: keep the best, mark the rest duplicate",
            ("D",), scope="grid"),
    Binding("keep_current", "Shift+D", "Near-duplicate groups: keep the current image, mark the "
            "rest duplicate", ("Shift+D",), scope="grid"),
    Binding("zoom", "Ctrl+wheel, + / -", "Thumbnail size"),
    Binding("escape", "Esc", "Clear the selection; leave page mode", ("Escape",), scope="grid"),
    Binding("reload", "F5", "Reload the grid (after a crawl or import brought new images)",
            ("F5",), scope="tab"),
)
