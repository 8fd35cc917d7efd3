"""The garbage-collector guard: cycles are freed on the UI thread, never on a job's thread."""
import gc
import threading

from ganime_gui import collector


class Recorder:
    """Part of a reference cycle; notes the thread that frees it."""
    freed_on: list[str] = []

    def __init__(self):
        self.me = self

    def __del__(self):
        Recorder.freed_on.append(threading.current_thread().name)


def test_a_cycle_is_freed_on_the_ui_thread_even_when_another_thread_allocates(qtbot):
    assert not gc.isenabled()  # the guard (installed for every GUI test, as in the app) turned it off
    Recorder.freed_on.clear()
    Recorder()  # unreachable at once, but only the cyclic collector can free it

    kept = []

    def allocate():  # a job's thread allocating as Keras tracing does: enough to trigger CPython's collector
        kept.extend([] for _ in range(5 * gc.get_threshold()[0]))

    worker = threading.Thread(target=allocate, name="job-thread")
    worker.start()
    worker.join()
    assert Recorder.freed_on == []  # with the automatic collector on, "job-thread" would have freed it
    qtbot.waitUntil(lambda: bool(Recorder.freed_on), timeout=3000)
    assert Recorder.freed_on == [threading.main_thread().name]


def test_tensorflow_objects_are_frozen_out_of_full_collections(qtbot, collect_on_the_ui_thread):
    import tensorflow  # noqa: F401 - what a training job imports on its thread

    qtbot.waitUntil(lambda: gc.get_freeze_count() > 50_000, timeout=5000)


def test_the_guard_is_installed_by_the_app_once(qapp):
    from ganime_gui.app import create_application

    app = create_application()
    assert app is qapp
    guards = app.findChildren(collector.UiThreadCollector)
    assert len(guards) == 1 and not gc.isenabled()
