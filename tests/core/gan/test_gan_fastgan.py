"""FastGAN's networks: shapes at several resolutions, Keras-only generator, and the discriminator's
self-supervised reconstruction loss on real images."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ganime_gui.core.gan import config as gan_config
from ganime_gui.core.gan.fastgan import (build_fastgan_models, generator_channels, reconstruction_targets,
                                         sle_pairs)


@pytest.mark.parametrize("res", [32, 64])
def test_fastgan_networks_build_with_the_right_shapes(res, make_config):
    config = make_config(arch="fastgan", resolution=res, base_channels=4)
    G, D, G_ema, D_recon = build_fastgan_models(config)
    z = np.random.default_rng(0).standard_normal((3, config.latent_dim)).astype(np.float32)
    images = np.asarray(G(z, training=False))
    assert images.shape == (3, res, res, 3) and images.dtype == np.float32
    assert -1 <= images.min() <= images.max() <= 1
    assert np.asarray(D(images)).shape == (3, 1)
    quarter = np.eye(4, dtype=np.float32)[[0, 2, 3]]
    logits, whole, part = (np.asarray(t) for t in D_recon([images, quarter]))
    assert logits.shape == (3, 1) and whole.shape == part.shape == (3, res // 2, res // 2, 3)
    np.testing.assert_allclose(logits, np.asarray(D(images)), atol=1e-5)  # one trunk
    # The EMA copy is built by the same builder, so update_ema can pair weights by position.
    assert [w.shape for w in G_ema.weights] == [w.shape for w in G.weights]
    assert all(np.array_equal(a, b) for a, b in zip(G_ema.get_weights(), G.get_weights()))
    # Skip-layer excitation 8× up from 4×4 (and 8×8 at 64 px); only Keras's own layers (exportable).
    names = [layer.name for layer in G.layers]
    assert [f"sle{s}to{b}" for s, b in sle_pairs(res)] == [n for n in names if "to" in n and "sle" in n]
    assert sle_pairs(64) == [(4, 32), (8, 64)] and sle_pairs(32) == [(4, 32)]
    assert all(type(layer).__module__.startswith("keras.") for layer in G.layers)
    assert G.output_shape == (None, res, res, 3) and generator_channels(config)[-1] == 4


def test_fastgan_widths_follow_the_base_width(make_config):
    narrow, wide = (generator_channels(make_config(arch="fastgan", resolution=64, base_channels=b))
                    for b in (32, 64))
    assert narrow == [256, 128, 64, 32, 16] and wide == [512, 256, 128, 64, 32]


def test_fastgan_builds_at_16_and_128_px(make_config):
    for res in (16, 128):
        G, D, _, D_recon = build_fastgan_models(make_config(arch="fastgan", resolution=res, base_channels=4))
        images = np.asarray(G(np.zeros((2, 16), np.float32)))
        assert images.shape == (2, res, res, 3)
        part = np.asarray(D_recon([images, np.eye(4, dtype=np.float32)[:2]])[2])
        assert part.shape == (2, res // 2, res // 2, 3)


def test_reconstruction_targets_are_the_downsampled_image_and_the_chosen_quarter():
    from ganime_gui.core.tfsetup import import_tensorflow
    tf = import_tensorflow()
    images = np.random.default_rng(0).uniform(-1, 1, (2, 8, 8, 3)).astype(np.float32)
    quarters = tf.constant(np.eye(4, dtype=np.float32)[[1, 2]])
    whole, part = reconstruction_targets(tf, tf.constant(images), quarters)
    np.testing.assert_allclose(whole, images.reshape(2, 4, 2, 4, 2, 3).mean((2, 4)), atol=1e-6)
    np.testing.assert_array_equal(part[0], images[0, :4, 4:])  # quarter 1: top right
    np.testing.assert_array_equal(part[1], images[1, 4:, :4])  # quarter 2: bottom left


def _one_step(config):
    """(D loss of one step, how much the decoder weights moved) for a fresh GanModel."""
    from ganime_gui.core.gan.step import build_gan_model
    from ganime_gui.core.tfsetup import import_tensorflow
    tf = import_tensorflow()
    model = build_gan_model(config)
    decoders = [v for v in model.D_recon.trainable_variables if "decode" in v.path]
    assert decoders and not any("decode" in v.path for v in model.D.trainable_variables)
    before = [v.numpy().copy() for v in decoders]
    reals = np.random.default_rng(0).uniform(-1, 1, (1, config.batch_size, 32, 32, 3)).astype(np.float32)
    d_loss, g_loss, _ = model.train_step(tf.constant(reals))
    moved = max(float(np.abs(v.numpy() - b).max()) for v, b in zip(decoders, before))
    return float(d_loss), moved


def test_reconstruction_loss_is_part_of_the_discriminator_loss_on_reals(make_config, monkeypatch):
    config = make_config(arch="fastgan", batch_size=4, base_channels=4)
    assert config.spec.recon_weight == 1.0
    with_recon, moved = _one_step(config)
    assert np.isfinite(with_recon) and moved > 0  # the decoders only get gradients from that term
    spec = dataclasses.replace(gan_config.ARCHITECTURES["fastgan"], recon_weight=0.0)
    monkeypatch.setitem(gan_config.ARCHITECTURES, "fastgan", spec)
    without, still = _one_step(config)
    assert still == 0.0
    # Same seed, same draws: the difference is the reconstruction error, which is positive.
    assert with_recon > without + 1e-4


def test_the_part_decoder_sees_the_quarter_of_the_features_its_target_is_cut_from(make_config):
    import keras
    _, _, _, D_recon = build_fastgan_models(make_config(arch="fastgan", resolution=32, base_channels=4))
    # At 32 px the 16×16 map is the stem's output; the part decoder's first layer gets the crop.
    probe = keras.Model(D_recon.inputs, [D_recon.get_layer("stem_leaky").output,
                                         D_recon.get_layer("decode_part_up16").input])
    images = np.random.default_rng(1).uniform(-1, 1, (4, 32, 32, 3)).astype(np.float32)
    features, chosen = (np.asarray(t) for t in probe([images, np.eye(4, dtype=np.float32)]))
    quarters = [features[:, :8, :8], features[:, :8, 8:], features[:, 8:, :8], features[:, 8:, 8:]]
    for i in range(4):  # image i asked for quarter i, in reconstruction_targets' order
        np.testing.assert_allclose(chosen[i], quarters[i][i], atol=1e-6)
