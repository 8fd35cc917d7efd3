"""The one way to import TensorFlow in this app: configure its thread pools once, then hand it out.

TensorFlow must be configured before its first op runs; after that the thread settings are frozen.
On a small machine the default pools run inference 2-2.7x slower than intra-op = core count, so
every TF user (classifier, GAN) imports it through :func:`import_tensorflow` instead of
``import tensorflow`` at module level. Importing this module itself imports nothing heavy.
"""
from __future__ import annotations

import gc
import os
import threading

_lock = threading.Lock()
_configured = False


def cpu_count() -> int:
    """Cores this process may use (respects CPU affinity / container limits where visible)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def import_tensorflow(intra_op_threads: int | None = None, inter_op_threads: int | None = None):
    """Import TensorFlow, set its thread pools once (intra-op = core count by default) and return it.

    Later calls return the same module and ignore the arguments: the pools cannot change once an
    op has run. Keeps TF's C++ log to warnings and errors unless the user set TF_CPP_MIN_LOG_LEVEL.

    The first call also keeps the garbage collector out of the way: it is disabled while
    TensorFlow (and Keras, which ``tf`` pulls in) import, since the import creates a few hundred
    thousand objects and would otherwise trigger many collections, then every object alive is moved
    out of the collector's reach with ``gc.freeze()`` and the collector is enabled again (if it was
    on). Without the freeze each full collection walks all of TensorFlow's objects: 30-180 ms
    with the GIL held, which froze the window for as long while a model trained in a worker thread.
    """
    global _configured
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _lock:
        if not _configured:
            was_enabled = gc.isenabled()
            gc.disable()
            try:
                import tensorflow as tf

                try:
                    import keras  # noqa: F401  (part of the same import cost; frozen with it)
                except ImportError:  # pragma: no cover - TF without Keras 3
                    pass
            finally:
                if was_enabled:
                    gc.enable()
            cores = cpu_count()
            try:
                tf.config.threading.set_intra_op_parallelism_threads(intra_op_threads or cores)
                tf.config.threading.set_inter_op_parallelism_threads(inter_op_threads or min(2, cores))
            except RuntimeError:
                # Something already ran an op (e.g. a test imported tf directly): keep what is set.
                pass
            gc.freeze()
            _configured = True
        import tensorflow as tf

        return tf


def gpu_names() -> list[str]:
    """The GPUs TensorFlow would train on, without importing it when it is not loaded yet.

    Once TensorFlow is imported its own list is the answer. Before that (the GUI at start-up must
    not pay TensorFlow's import) a cheap probe: NVIDIA's driver lists its GPUs under
    ``/proc/driver/nvidia/gpus`` on Linux; ``CUDA_VISIBLE_DEVICES`` set to nothing or -1 hides
    them, as it does from TensorFlow. TensorFlow has no GPU support on native Windows or on macOS
    without the Metal plug-in, so the probe finds none there, as training would.
    """
    import sys

    if "tensorflow" in sys.modules:
        tf = import_tensorflow()
        return [d.name for d in tf.config.list_physical_devices("GPU")]
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return []
    root = "/proc/driver/nvidia/gpus"
    try:
        found = sorted(os.listdir(root))
    except OSError:
        return []
    return [f"/physical_device:GPU:{i} ({bus})" for i, bus in enumerate(found)]
