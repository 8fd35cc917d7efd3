"""Startup benchmark: process start → main window shown, beside the TensorFlow + Keras import time.

    python bench/startup.py [--runs 5] [--packaged dist/ganime/ganime]

Runs each command several times in fresh processes (offscreen) and prints the median and best.
A user's *first* start of the packaged app reads its files from disk, not from the page cache:
the "first start" rows empty the page cache before each run (drop_caches as root, else
posix_fadvise DONTNEED on each of the app's files). Targets: the window in under 1 s from a source
install, under 2 s
from the packaged app, first start included; TF is not imported before the window shows.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def time_until(cmd: list[str], marker: str, env: dict) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
                            cwd=ROOT)
    watchdog = threading.Timer(120, proc.kill)  # a launcher that never shows its window fails, not hangs
    watchdog.start()
    line = ""
    for line in proc.stdout:
        if marker in line:
            break
    elapsed = time.perf_counter() - start
    proc.wait(60)
    watchdog.cancel()
    if marker not in line:
        raise RuntimeError(f"{cmd[0]} never printed {marker!r}")
    return elapsed, line.strip()


def evict_from_page_cache(folder: Path) -> None:
    """Make the next start read the folder's files from disk, as the first start after install does:
    drop the whole page cache where we may (root), else ask the kernel to drop each file's pages."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return
    except OSError:
        pass
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def measure(label: str, cmd: list[str], marker: str, env: dict, runs: int,
            before_each=None) -> list[float]:
    times, last = [], ""
    for _ in range(runs):
        if before_each:
            before_each()
        t, last = time_until(cmd, marker, env)
        times.append(t)
    print(f"{label:<42} median {statistics.median(times):6.3f} s   best {min(times):6.3f} s   ({runs} runs)")
    if "tensorflow_imported" in last:
        print(f"{'':<42} {last.split(' ', 1)[1]}")
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--packaged", default=str(ROOT / "dist" / "ganime" / "ganime"))
    args = parser.parse_args()
    settings = Path(tempfile.mkdtemp()) / "settings.ini"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GANIME_STARTUP_PROBE": "1",
           "GANIME_SETTINGS_FILE": str(settings), "TF_CPP_MIN_LOG_LEVEL": "3"}
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    measure("python -c 'import PySide6.QtWidgets'",
            [sys.executable, "-c", "import PySide6.QtWidgets; print('done')"], "done", env, args.runs)
    window = measure("source install: start → window shown",
                     [sys.executable, "-m", "ganime_gui"], "GANIME-WINDOW-SHOWN", env, args.runs)
    measure("source install: start → all four tabs built",
            [sys.executable, "-m", "ganime_gui"], "GANIME-TABS-READY", env, args.runs)
    tf = measure("python -c 'import tensorflow, keras'",
                 [sys.executable, "-c", "import tensorflow, keras; print('done')"], "done", env, args.runs)
    print(f"{'window / TF import':<42} {statistics.median(window) / statistics.median(tf):6.2f}×")
    packaged = Path(args.packaged)
    if packaged.exists():
        if hasattr(os, "posix_fadvise"):
            measure("packaged app, first start → window shown", [str(packaged)], "GANIME-WINDOW-SHOWN",
                    env, args.runs, before_each=lambda: evict_from_page_cache(packaged.parent))
        measure("packaged app: start → window shown", [str(packaged)], "GANIME-WINDOW-SHOWN", env, args.runs)
        measure("packaged app: start → all four tabs built", [str(packaged)], "GANIME-TABS-READY", env,
                args.runs)
        size = sum(f.stat().st_size for f in packaged.parent.rglob("*") if f.is_file())
        print(f"{'packaged app folder size':<42} {size / 2**30:6.2f} GiB")
    else:
        print(f"packaged app not built ({packaged}); build it with: pyinstaller --noconfirm ganime.spec")
    return 0


if __name__ == "__main__":
    sys.exit(main())
