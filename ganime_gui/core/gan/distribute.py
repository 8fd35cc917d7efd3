"""Pick the tf.distribute strategy: several machines from ``TF_CONFIG``, several GPUs in one, or none.

* ``TF_CONFIG`` names a cluster of two or more workers: ``MultiWorkerMirroredStrategy``. Every
  machine runs the same ``ganime train-gan`` command with its own ``TF_CONFIG`` (``task.index``
  0, 1, ...); gradients are all-reduced over the network each step, so all machines hold the
  same weights. Worker 0 (the chief) writes the run folder; the others write their copies into
  ``RUN/.worker-<i>/`` (every worker must take part in each checkpoint, so all of them save).
* Several GPUs in this machine: ``MirroredStrategy`` over them.
* Otherwise TensorFlow's default strategy (no replicas, no overhead).

In each case a replica takes an equal slice of the global batch and the step averages over the
global batch, so the run trains as one device with the same global batch would. See docs/gan.md.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

from ganime_gui.core.jobs import UserError
from ganime_gui.core.tfsetup import import_tensorflow


def cluster_workers(tf_config: str | None = None) -> tuple[int, int]:
    """(number of workers, this worker's index) from ``TF_CONFIG``; (1, 0) without a cluster."""
    raw = os.environ.get("TF_CONFIG", "") if tf_config is None else tf_config
    if not raw.strip():
        return 1, 0
    try:
        conf = json.loads(raw)
        workers = list(conf.get("cluster", {}).get("worker", []))
        index = int(conf.get("task", {}).get("index", 0))
    except (ValueError, TypeError, AttributeError) as exc:
        raise UserError(f"TF_CONFIG is not valid JSON of the form {{\"cluster\": {{\"worker\": "
                        f"[\"host:port\", ...]}}, \"task\": {{\"type\": \"worker\", "
                        f"\"index\": 0}}}}: {exc}") from exc
    return max(1, len(workers)), index


def make_strategy(devices: Sequence[str] | None = None):
    """``devices``: explicit device names (e.g. two logical CPUs in a test); None: decide by
    ``TF_CONFIG``, then by GPUs."""
    tf = import_tensorflow()
    if devices:
        return tf.distribute.MirroredStrategy(devices=list(devices))
    if cluster_workers()[0] > 1:
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy(devices=[g.name for g in gpus])
    return tf.distribute.get_strategy()


def is_multi_worker(strategy) -> bool:
    tf = import_tensorflow()
    return isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and cluster_workers()[0] > 1


def worker_dir(strategy, run_dir: Path) -> Path:
    """The run folder for this process: the chief's is ``run_dir``, another worker's its own copy."""
    if not is_multi_worker(strategy):
        return run_dir
    index = cluster_workers()[1]
    return run_dir if index == 0 else run_dir / f".worker-{index}"


def replica_count(strategy) -> int:
    return int(strategy.num_replicas_in_sync)


def check_batch_divides(batch_size: int, strategy) -> None:
    n = replica_count(strategy)
    if batch_size % n:
        raise UserError(f"The batch size {batch_size} does not split evenly over {n} replicas (GPUs or "
                        f"machines): use a multiple of {n}.")


def split_over_replicas(strategy, batch):
    """Hand each replica its slice of a numpy batch shaped (n_critic, global_batch, H, W, C).
    Every worker draws the same global batch (a function of seed and step) and keeps its slices."""
    n = replica_count(strategy)
    if n == 1:
        return batch
    per = batch.shape[1] // n

    def slice_for(ctx):
        i = ctx.replica_id_in_sync_group
        return batch[:, i * per:(i + 1) * per]

    return strategy.experimental_distribute_values_from_function(slice_for)
