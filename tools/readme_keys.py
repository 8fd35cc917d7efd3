"""Write the README's keyboard-shortcut table from the key tables (the window's and each tab's).

    python tools/readme_keys.py          # rewrites README.md's table in place
    python tools/readme_keys.py --check  # exit 1 when the README's table is not the generated one

The table starts at its header row and ends at the first line that is not a table row.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ganime_gui.ui.keys import markdown_table  # noqa: E402
from ganime_gui.ui.main_window import key_sections  # noqa: E402

HEADER = "| Where | Keys | What it does |"


def rewrite(text: str, table: str) -> str:
    lines = text.split("\n")
    start = lines.index(HEADER)
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "\n".join(lines[:start] + table.split("\n") + lines[end:])


def main(argv: list[str]) -> int:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = rewrite(text, markdown_table(key_sections()))
    if "--check" in argv:
        return 0 if new == text else 1
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
