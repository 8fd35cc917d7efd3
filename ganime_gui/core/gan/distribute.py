"""Pick the tf.distribute strategy: data-parallel over all GPUs when there are several.

With one GPU or none, TensorFlow's default strategy (no replicas, no overhead). With several, a
``MirroredStrategy``: each replica takes an equal slice of the global batch and the gradients are
all-reduced, so the run trains exactly as one device with the same global batch would.
"""
from __future__ import annotations

from typing import Sequence

from ganime_gui.core.jobs import UserError
from ganime_gui.core.tfsetup import import_tensorflow


def make_strategy(devices: Sequence[str] | None = None):
    """``devices``: explicit device names (e.g. two logical CPUs in a test); None: decide by GPUs."""
    tf = import_tensorflow()
    if devices:
        return tf.distribute.MirroredStrategy(devices=list(devices))
    gpus = tf.config.list_logical_devices("GPU")
    if len(gpus) > 1:
        return tf.distribute.MirroredStrategy(devices=[g.name for g in gpus])
    return tf.distribute.get_strategy()


def replica_count(strategy) -> int:
    return int(strategy.num_replicas_in_sync)


def check_batch_divides(batch_size: int, strategy) -> None:
    n = replica_count(strategy)
    if batch_size % n:
        raise UserError(f"The batch size {batch_size} does not split evenly over {n} GPUs: "
                        f"use a multiple of {n}.")


def split_over_replicas(strategy, batch):
    """Hand each replica its slice of a numpy batch shaped (n_critic, global_batch, H, W, C)."""
    n = replica_count(strategy)
    if n == 1:
        return batch
    per = batch.shape[1] // n

    def slice_for(ctx):
        i = ctx.replica_id_in_sync_group
        return batch[:, i * per:(i + 1) * per]

    return strategy.experimental_distribute_values_from_function(slice_for)
