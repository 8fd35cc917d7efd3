"""``ganime --self-test``: prove a build works end to end in a few seconds, then exit.

Starts the real window (offscreen when there is no display), loads the resources, imports
TensorFlow and builds a tiny Keras model, imports SciPy, checks that OpenSSL and certifi's CA
file are there, creates and reopens a temporary project (and opens the project it was given, as a
launcher passes one). With ``GANIME_SELFTEST_HTTPS=<url>`` it also fetches that URL over TLS,
trusting the CA file in ``GANIME_SELFTEST_CA`` (CI does this with a local server). Prints one line
starting with ``SELF-TEST OK`` and exits 0, or says which check failed and exits 1.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from pathlib import Path


def run_self_test(project: str | None = None) -> int:
    no_display = not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY")
    if no_display and sys.platform.startswith("linux"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    checks: list[str] = []
    step = "start"
    t0 = time.perf_counter()
    try:
        step = "settings"
        settings_dir = tempfile.mkdtemp(prefix="ganime-selftest-settings-")
        os.environ["GANIME_SETTINGS_FILE"] = str(Path(settings_dir) / "settings.ini")

        step = "resources"
        from ganime_gui.app import create_application

        app = create_application()
        checks.append("resources")

        step = "window"
        from ganime_gui.ui.main_window import MainWindow

        window = MainWindow()
        window.show()
        app.processEvents()
        titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
        if titles != ["Crawl", "Sort", "Train", "GAN"]:
            raise RuntimeError(f"unexpected tabs {titles}")
        from ganime_gui.ui.placeholder import MessagePanel

        for title in titles:
            if isinstance(window.tab(title), MessagePanel):
                raise RuntimeError(f"the {title} tab is missing from this build")
        app.processEvents()
        checks.append("window")

        step = "project"
        with tempfile.TemporaryDirectory(prefix="ganime-selftest-") as tmp:
            root = Path(tmp) / "selftest-project"
            if window.new_project(root) is None:
                raise RuntimeError(f"could not create a project: {window.last_error}")
            window.context.catalog.add_file("images/x.png", "0" * 32, 1)
            window.context.set_project(None)
            if window.open_project(root) is None:
                raise RuntimeError(f"could not reopen the project: {window.last_error}")
            if window.context.catalog.count_files() != 1:
                raise RuntimeError("the reopened project lost its catalog rows")
            window.context.set_project(None)
        checks.append("project")

        if project:
            step = "the given project"
            if window.open_project(project) is None:
                raise RuntimeError(f"could not open {project}: {window.last_error}")
            checks.append(f"opened {Path(project).name}")
            window.context.set_project(None)

        step = "tensorflow"
        from ganime_gui.core.tfsetup import import_tensorflow

        tf = import_tensorflow()
        import keras
        import numpy as np

        model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3),
                                  keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(2)])
        out = model(np.zeros((1, 8, 8, 3), dtype="float32"))
        if tuple(out.shape) != (1, 2):
            raise RuntimeError(f"tiny model gave shape {tuple(out.shape)}")
        checks.append(f"tensorflow {tf.__version__}")

        step = "scipy"
        import scipy
        import scipy.linalg

        scipy.linalg.sqrtm(np.eye(2))
        checks.append(f"scipy {scipy.__version__}")

        step = "tls"
        checks.append(_check_tls())

        step = "close"
        window.close()
        app.processEvents()
    except BaseException as exc:  # noqa: BLE001 - report every failure in one line
        print(f"SELF-TEST FAILED at {step}: {type(exc).__name__}: {exc}", flush=True)
        traceback.print_exc()
        return 1
    print(f"SELF-TEST OK ({', '.join(checks)}; {time.perf_counter() - t0:.1f} s)", flush=True)
    return 0


def _check_tls() -> str:
    """OpenSSL and certifi's CA file are in the build; a local HTTPS request when CI asks for one."""
    import ssl

    import certifi
    import requests

    ssl.create_default_context(cafile=certifi.where())  # raises if the CA file is missing or unreadable
    url = os.environ.get("GANIME_SELFTEST_HTTPS")
    if not url:
        return f"tls ({ssl.OPENSSL_VERSION})"
    response = requests.get(url, verify=os.environ.get("GANIME_SELFTEST_CA") or certifi.where(), timeout=20)
    response.raise_for_status()
    return f"https {response.status_code} ({ssl.OPENSSL_VERSION})"
