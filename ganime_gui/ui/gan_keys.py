"""The GAN tab's keys (bound by the tab itself; the shortcut sheet and README come from here)."""
from ganime_gui.ui.keys import Binding

KEYS: tuple[Binding, ...] = (
    Binding("start", "Ctrl+Enter", "Start a new run", ("Ctrl+Return",)),
    Binding("pause", "Ctrl+P", "Pause / resume training (a checkpoint is written on pause)",
            ("Ctrl+P",)),
    Binding("stop", "Ctrl+.", "Stop training (a checkpoint is written; Continue run goes on)",
            ("Ctrl+.",)),
)
