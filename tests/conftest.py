"""Shared test set-up: Qt runs offscreen, TensorFlow stays quiet and small."""
import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_SETTINGS = os.path.join(tempfile.mkdtemp(prefix="ganime-settings-"), "settings.ini")
os.environ.setdefault("GANIME_SETTINGS_FILE", _SETTINGS)  # keeps QSettings away from the user's own
os.environ.setdefault("GANIME_LOG_DIR", os.path.dirname(_SETTINGS))  # and the app's log away from theirs


# --- fake booru (tests/fakebooru owns this block) ----------------------------------------------
import contextlib  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def fakebooru():
    """Factory: ``fakebooru(profile="safebooru", posts=200, seed=1, faults=None, **options)``
    starts a fake booru on a free 127.0.0.1 port and returns it (``.base_url``, ``.stats``,
    ``.set_faults(spec)``, ``.latency_ms``, ``.dataset``). Every one started stops at teardown.
    Options: see ``ganime_gui.fakebooru.testing.running_fakebooru``."""
    from ganime_gui.fakebooru.testing import running_fakebooru

    with contextlib.ExitStack() as stack:
        def start(profile="safebooru", posts=200, seed=1, faults=None, **options):
            return stack.enter_context(running_fakebooru(profile, posts, seed, faults, **options))
        yield start
