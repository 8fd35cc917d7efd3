"""Before the QApplication: can Qt's platform plugin load here?

On Linux a missing X client library or a missing display makes Qt abort the process (SIGABRT)
with a message that often names the wrong library. This module finds out first, the way the
dynamic loader would (``dlopen`` of the plugin, then ``ldd`` for the whole list of what is
missing), and says it in one paragraph so the launcher can exit cleanly. Windows and macOS need
nothing beyond the wheels, so there it says nothing.
"""
from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

# Debian/Ubuntu packages for what Qt's xcb platform needs (the README lists the same).
DEBIAN_PACKAGES = ("libegl1 libgl1 libfontconfig1 libdbus-1-3 libglib2.0-0 libxkbcommon0 libxkbcommon-x11-0 "
                   "libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 "
                   "libxcb-randr0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 libx11-xcb1")

# Plugins that draw to no screen need no display.
_HEADLESS = {"offscreen", "minimal", "minimalegl", "vnc", "linuxfb", "eglfs", "vkkhrdisplay"}


def debian_package(soname: str) -> str:
    """libxcb-icccm.so.4 -> libxcb-icccm4, libxkbcommon-x11.so.0 -> libxkbcommon-x11-0 (Debian's rule)."""
    match = re.match(r"(lib[\w+.-]*?)\.so\.(\d+)", soname)
    if not match:
        return soname
    name, major = match.group(1).lower(), match.group(2)
    if name in ("libegl", "libgl"):
        return f"{name}1"
    if name == "libglib-2.0":
        return "libglib2.0-0"
    return f"{name}-{major}" if name[-1].isdigit() else f"{name}{major}"


def plugin_path(name: str) -> Path | None:
    spec = importlib.util.find_spec("PySide6")
    roots = list(spec.submodule_search_locations or []) if spec else []
    if getattr(sys, "_MEIPASS", None):
        roots.append(str(Path(sys._MEIPASS) / "PySide6"))
    for root in roots:
        path = Path(root) / "Qt" / "plugins" / "platforms" / f"libq{name}.so"
        if path.exists():
            return path
    return None


def missing_libraries(plugin: Path) -> list[str]:
    """The shared libraries the plugin needs that the loader cannot find (empty when it loads)."""
    try:
        ctypes.CDLL(str(plugin))
        return []
    except OSError as exc:
        first = re.findall(r"(lib[\w+.-]+\.so[.\d]*)", str(exc))
    ldd = shutil.which("ldd")
    if ldd:
        try:
            out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=10).stdout
            found = re.findall(r"^\s*(\S+) => not found", out, flags=re.M)
            if found:
                return sorted(set(found))
        except (OSError, subprocess.SubprocessError):
            pass
    return [lib for lib in first if lib != plugin.name] or [plugin.name]


def _x_display_reachable(display: str) -> bool:
    match = re.fullmatch(r"(?P<host>[^:]*):(?P<num>\d+)(\.\d+)?", display)
    if not match:
        return False
    host, num = match.group("host"), int(match.group("num"))
    if host in ("", "unix"):
        if Path(f"/tmp/.X11-unix/X{num}").exists():
            return True
        try:  # an abstract socket has no file: connect to it
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(1)
                sock.connect(f"\0/tmp/.X11-unix/X{num}")
            return True
        except OSError:
            return False
    try:
        with socket.create_connection((host, 6000 + num), timeout=1):
            return True
    except OSError:
        return False


def _wayland_reachable(env) -> bool:
    display = env.get("WAYLAND_DISPLAY", "")
    if not display:
        return False
    runtime = Path(env.get("XDG_RUNTIME_DIR", "/nonexistent"))
    path = Path(display) if os.path.isabs(display) else runtime / display
    return path.exists()


def _candidates(env) -> list[str]:
    requested = env.get("QT_QPA_PLATFORM", "")
    if requested:
        return [part.split(":")[0] for part in requested.split(";") if part]
    if env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland":
        return ["wayland", "xcb"]
    return ["xcb"]


def explain_missing_platform(env=None) -> str | None:
    """None when a window can open; otherwise one paragraph saying why not and what to do."""
    if not sys.platform.startswith("linux"):
        return None
    env = os.environ if env is None else env
    reasons = []
    for name in _candidates(env):
        if name == "xcb" and not env.get("DISPLAY"):
            reasons.append("there is no display (DISPLAY is not set)")
            continue
        if name == "xcb" and not _x_display_reachable(env["DISPLAY"]):
            reasons.append(f"the display {env['DISPLAY']} does not answer")
            continue
        if name == "wayland" and not _wayland_reachable(env):
            reasons.append("there is no Wayland display")
            continue
        plugin = plugin_path(name)
        if plugin is None:
            if name in _HEADLESS or name in ("xcb", "wayland"):
                reasons.append(f"Qt's {name!r} platform plugin is not installed")
                continue
            return None  # a plugin we don't know how to check: let Qt try
        missing = missing_libraries(plugin)
        if not missing:
            return None
        packages = " ".join(dict.fromkeys(debian_package(lib) for lib in missing))
        reasons.append(f"Qt's {name!r} platform plugin needs libraries that are missing: "
                       f"{', '.join(missing)} (on Debian/Ubuntu: sudo apt-get install {packages})")
    advice = ("Install the packages named above (the README lists every system package per platform)"
              if any("missing" in r or "not installed" in r for r in reasons) else
              "Run it in a desktop session (or under Xvfb)")
    return ("GANime Studio cannot open its window: " + "; ".join(reasons) + f". {advice}. "
            "The headless commands (ganime crawl, ganime train-gan, …; see ganime --help) need no "
            "display, and QT_QPA_PLATFORM=offscreen runs the window where nobody sees it.")
