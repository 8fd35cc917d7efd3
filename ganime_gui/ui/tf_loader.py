"""Import TensorFlow once, in the background, the first time a tab needs it.

The window must show before TensorFlow loads (TF + Keras take about 3 s); tabs that need TF call
``ensure_tensorflow(context, on_ready)`` when they are first shown and get a callback once it is in.
"""
from __future__ import annotations

from typing import Callable

from ganime_gui.ui.context import AppContext

_state = {"ready": False, "worker": None, "waiting": []}


def tensorflow_ready() -> bool:
    return _state["ready"]


def _import_job(progress, cancelled):
    progress(0, 1, "Loading TensorFlow…")
    from ganime_gui.core.tfsetup import import_tensorflow

    tf = import_tensorflow()
    import keras  # noqa: F401 - warm Keras too; the first model build would pay for it otherwise

    progress(1, 1, "TensorFlow ready")
    return tf.__version__


def ensure_tensorflow(context: AppContext, on_ready: Callable[[], None] | None = None) -> None:
    if _state["ready"]:
        if on_ready:
            on_ready()
        return
    if on_ready:
        _state["waiting"].append(on_ready)
    if _state["worker"] is not None:
        return

    def finished(version):
        _state["ready"] = True
        _state["worker"] = None
        context.status(f"TensorFlow {version} loaded", 3000)
        waiting, _state["waiting"] = _state["waiting"], []
        for callback in waiting:
            callback()

    def failed(message):
        _state["worker"] = None
        context.error("TensorFlow could not be loaded", message)

    context.status("Loading TensorFlow in the background…", 0)
    _state["worker"] = context.jobs.start(_import_job, "Loading TensorFlow", on_finished=finished,
                                          on_failed=failed)
