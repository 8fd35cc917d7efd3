"""Shared test set-up: Qt runs offscreen, TensorFlow stays quiet and small."""
import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
_SETTINGS = os.path.join(tempfile.mkdtemp(prefix="ganime-settings-"), "settings.ini")
os.environ.setdefault("GANIME_SETTINGS_FILE", _SETTINGS)  # keeps QSettings away from the user's own
