"""The one way to import TensorFlow in this app: configure its thread pools once, then hand it out.

TensorFlow must be configured before its first op runs; after that the thread settings are frozen.
On a small machine the default pools run inference 2-2.7x slower than intra-op = core count, so
every TF user (classifier, GAN) imports it through :func:`import_tensorflow` instead of
``import tensorflow`` at module level. Importing this module itself imports nothing heavy.
"""
from __future__ import annotations

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
    """
    global _configured
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _lock:
        import tensorflow as tf

        if not _configured:
            cores = cpu_count()
            try:
                tf.config.threading.set_intra_op_parallelism_threads(intra_op_threads or cores)
                tf.config.threading.set_inter_op_parallelism_threads(inter_op_threads or min(2, cores))
            except RuntimeError:
                # Something already ran an op (e.g. a test imported tf directly): keep what is set.
                pass
            _configured = True
        return tf
