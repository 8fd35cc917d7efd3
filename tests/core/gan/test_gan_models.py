"""The networks' parts: the discriminator's minibatch-stddev layer and which runs have it."""
from __future__ import annotations

import json

import numpy as np
import pytest

from ganime_gui.core.gan import runs
from ganime_gui.core.gan.config import GanConfig
from ganime_gui.core.gan.models import build_discriminator, minibatch_stddev_layer
from ganime_gui.core.gan.train import GanTrainer, resume_config


def layer_names(model) -> list[str]:
    return [layer.name for layer in model.layers]


def test_minibatch_stddev_adds_the_spread_of_each_group_as_one_channel():
    x = np.random.default_rng(0).standard_normal((8, 3, 3, 5)).astype(np.float32)
    x[1] = x[3] = x[5] = x[7]  # the second group (images 1, 3, 5, 7) is four copies of one image
    out = np.asarray(minibatch_stddev_layer(4)(x))
    assert out.shape == (8, 3, 3, 6)
    np.testing.assert_array_equal(out[..., :5], x)
    groups = x.reshape(4, 2, 3, 3, 5)  # image g*2 + m is member g of group m, as ProGAN groups
    spread = groups.std(axis=0).mean(axis=(1, 2, 3))
    for i in range(8):
        np.testing.assert_allclose(out[i, ..., 5], spread[i % 2], rtol=1e-4, atol=2e-4)
    assert out[0, 0, 0, 5] > 0.5 and out[1, 0, 0, 5] < 1e-3  # copies: no spread


def test_a_batch_the_group_does_not_divide_is_one_group_per_image():
    x = np.random.default_rng(1).standard_normal((6, 2, 2, 3)).astype(np.float32)
    out = np.asarray(minibatch_stddev_layer(4)(x))
    assert out.shape == (6, 2, 2, 4)
    np.testing.assert_allclose(out[..., 3], 1e-4, atol=1e-6)  # each image alone: only the epsilon


@pytest.mark.parametrize("arch, has_it", [("diffaug", True), ("dcgan", False), ("wgan-gp", False)])
def test_the_default_discriminator_has_the_layer_and_the_seeds_models_do_not(arch, has_it, make_config):
    names = layer_names(build_discriminator(make_config(arch=arch)))
    assert ("minibatch_stddev" in names) == has_it
    assert "minibatch_stddev" not in layer_names(build_discriminator(make_config(arch=arch, minibatch_std=0)))


def test_a_run_saved_before_the_layer_existed_resumes_without_it(make_config, prepared_npy, tmp_path):
    run_dir = tmp_path / "run"
    GanTrainer(make_config(minibatch_std=0, total_kimg=0.016), prepared_npy, run_dir).run()
    info_path = run_dir / runs.RUN_CONFIG
    info = json.loads(info_path.read_text())
    del info["config"]["minibatch_std"]  # as an older build wrote it
    info_path.write_text(json.dumps(info))

    config = resume_config(run_dir, total_kimg=0.032)
    assert config.minibatch_std == 0
    resumed = GanTrainer(config, prepared_npy, run_dir, resume=True)
    assert resumed.run().step == 4
    assert "minibatch_stddev" not in layer_names(resumed.model.D)
    assert GanConfig().minibatch_std == 4  # while a new run has it
