"""Shared test set-up: Qt runs offscreen, TensorFlow stays quiet and small."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("GANIME_SETTINGS_SCOPE", "tests")  # keeps QSettings away from the user's own
