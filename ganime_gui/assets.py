"""Find the app's resources (icons, style sheet) in a source tree, an install or a PyInstaller bundle."""
from __future__ import annotations

import sys
from pathlib import Path

_REQUIRED = ("ganime.png", "style.qss")


def resources_dir() -> Path:
    candidates = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:  # PyInstaller one-folder app: <app>/_internal/resources
        candidates.append(Path(bundle) / "resources")
    candidates.append(Path(__file__).resolve().parent.parent / "resources")  # source / editable
    candidates.append(Path(sys.prefix) / "share" / "ganime" / "resources")  # pip install (data-files)
    for path in candidates:
        if all((path / name).is_file() for name in _REQUIRED):
            return path
    raise FileNotFoundError("GANime Studio's resources folder was not found; looked in "
                            + ", ".join(str(p) for p in candidates))


def resource(name: str) -> Path:
    return resources_dir() / name
