"""The README's shortcut table and command list stay in step with the app."""
from pathlib import Path

from ganime_gui.cli import COMMANDS
from ganime_gui.ui.main_window import GLOBAL_SHORTCUTS, TABS, _load_tab_class

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_shortcut_is_in_the_readme_table():
    rows = [("Everywhere", keys) for keys, _ in GLOBAL_SHORTCUTS]
    for title, module, cls_name, _ in TABS:
        rows += [(title, keys) for keys, _ in getattr(_load_tab_class(module, cls_name), "SHORTCUTS", [])]
    missing = [row for row in rows if f"| {row[0]} | {row[1]} |" not in README]
    assert not missing, f"add these to the README's shortcut table: {missing}"


def test_every_headless_command_is_in_the_readme():
    missing = [name for name in COMMANDS if f"`ganime {name}" not in README]
    assert not missing, f"document these commands in the README: {missing}"


def test_the_two_setup_commands_are_there():
    assert 'python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/ganime' in README
    assert 'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/pytest' in README
