"""The Train tab's keys (bound by its review grid; the shortcut sheet and README come from here)."""
from ganime_gui.ui.keys import Binding

KEYS: tuple[Binding, ...] = (
    Binding("relabel", "1 … 9", "Review grid: relabel the selected images with that class"),
)
