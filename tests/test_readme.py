"""The README's shortcut table and command list stay in step with the app."""
from pathlib import Path

from ganime_gui.cli import COMMANDS
from ganime_gui.ui.keys import markdown_table
from ganime_gui.ui.main_window import key_sections

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_the_readme_shortcut_table_is_the_one_generated_from_the_key_tables():
    table = markdown_table(key_sections())
    assert table.count("\n") > 20 and "| Sort | Shift+1 … 9 |" in table
    assert f"\n{table}\n\n" in README, "run: python tools/readme_keys.py"


def test_every_headless_command_is_in_the_readme():
    missing = [name for name in COMMANDS if f"`ganime {name}" not in README]
    assert not missing, f"document these commands in the README: {missing}"


def test_the_two_setup_commands_are_there():
    assert 'python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/ganime' in README
    assert 'python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/pytest' in README
