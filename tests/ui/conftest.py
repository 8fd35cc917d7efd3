"""GUI tests run with the app's garbage-collector guard, as the app does (ganime_gui/collector.py):
jobs train Keras models on their threads while Qt objects come and go on this one."""
import pytest


@pytest.fixture(scope="session", autouse=True)
def collect_on_the_ui_thread(qapp):
    from ganime_gui import collector

    guard = collector.install(qapp)
    yield guard
    guard.stop()


@pytest.fixture(autouse=True)
def _collect_between_tests(collect_on_the_ui_thread):
    yield
    collect_on_the_ui_thread.check()  # a test that never spins the event loop still gets its collections
