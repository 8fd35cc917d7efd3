"""The Train tab's keys: the table its QActions, the shortcut sheet and the README come from."""
from ganime_gui.ui.keys import PLAIN, Binding

KEYS: tuple[Binding, ...] = (
    Binding("relabel", "1 … 9", "Review grid: relabel the selected images with that class",
            digits=PLAIN),
)
