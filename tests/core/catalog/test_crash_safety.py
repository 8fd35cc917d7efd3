"""A process killed in the middle of writing loses at most the action in flight."""
import os
import signal
import subprocess
import sys
import textwrap
import time

from ganime_gui.core.project import Project

WRITER = textwrap.dedent("""
    import sys, time
    from ganime_gui.core.catalog import Catalog
    cat = Catalog(sys.argv[1])
    ids = [cat.add_file(f"images/{i}.png", f"{i:032x}", i) for i in range(50)]
    print("ready", flush=True)
    i = 0
    while True:  # each iteration is one user action: a batch label, committed at once
        with cat.db.transaction():
            cat.set_labels("chibi", ids, "chibi" if i % 2 else "not_chibi")
            cat.add_file(f"images/x{i}.png", f"x{i:031x}", i)
        print(i, flush=True)
        i += 1
""")


def test_kill_9_mid_write_keeps_a_consistent_catalog(tmp_path):
    project = Project.create(tmp_path / "p")
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(project.catalog_path)],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        last = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            last = int(proc.stdout.readline())
            if last >= 40:
                break
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
    with project.open_catalog() as cat:
        assert cat.db.scalar("PRAGMA integrity_check") == "ok"
        extra = cat.count_files() - 50
        # every action reported done is there; at most the one in flight is missing
        assert extra >= last + 1
        labels = set(cat.labels("chibi").values())
        assert len(labels) == 1  # a batch label is all-or-nothing
        assert len(cat.labels("chibi")) == 50
