"""The Crawl tab's keys (bound by the tab itself; the shortcut sheet and README come from here)."""
from ganime_gui.ui.keys import Binding

KEYS: tuple[Binding, ...] = (
    Binding("add_tag", "Enter (in the tag box)",
            "Add the typed tag as a chip; start it with `-` to exclude it"),
    Binding("start", "Ctrl+Enter", "Start the crawl", ("Ctrl+Return",)),
    Binding("pause", "Ctrl+P", "Pause / resume the crawl", ("Ctrl+P",)),
    Binding("stop", "Ctrl+.", "Stop the crawl (it can be resumed later)", ("Ctrl+.",)),
)
