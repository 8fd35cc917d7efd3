import subprocess
import sys

import numpy as np
import pytest

from ganime_gui.core.classify.backbones import (BACKBONES, build_backbone, build_classifier,
                                                default_frozen_layers)
from ganime_gui.core.jobs import UserError

VGG16_BLOCKS_1_TO_4 = ["pixels",
                       "block1_conv1", "block1_conv2", "block1_pool",
                       "block2_conv1", "block2_conv2", "block2_pool",
                       "block3_conv1", "block3_conv2", "block3_conv3", "block3_pool",
                       "block4_conv1", "block4_conv2", "block4_conv3", "block4_pool"]


def test_importing_the_classifier_package_does_not_import_tensorflow():
    code = ("import sys, ganime_gui.core.classify.data, ganime_gui.core.classify.backbones, "
            "ganime_gui.core.classify.features, ganime_gui.core.classify.train, "
            "ganime_gui.core.classify.apply, ganime_gui.core.classify.models, "
            "ganime_gui.core.classify.workflow, "
            "ganime_gui.core.classify.weights, ganime_gui.core.classify.evaluation; "
            "print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_pretrained_defaults_freeze_as_the_seed_and_from_scratch_freezes_nothing(tmp_path):
    vgg, mobilenet = BACKBONES["vgg16"], BACKBONES["mobilenet_v2"]
    assert default_frozen_layers(vgg, "imagenet", 19) == 15  # the seed's 15 layers of VGG16
    assert default_frozen_layers(mobilenet, "imagenet", 154) == 154  # the whole backbone
    weights_file = tmp_path / "w.h5"
    weights_file.write_bytes(b"x")
    assert default_frozen_layers(vgg, str(weights_file), 19) == 15
    for spec in BACKBONES.values():
        assert default_frozen_layers(spec, None, 100) == default_frozen_layers(spec, "none", 100) == 0
    # built from scratch with no frozen-layer setting: every layer trains, nothing is cached
    clf = build_classifier("mobilenet_v2", 2, weights=None, input_size=32)
    assert clf.frozen_layers == 0 and clf.prefix is None
    assert all(layer.trainable for layer in clf.model.layers if layer.weights)


def test_vgg16_as_in_the_seed_freezes_blocks_1_to_4():
    clf = build_classifier("vgg16", 2, weights=None, input_size=64, frozen_layers=15)
    assert clf.frozen_layers == 15
    assert clf.frozen_layer_names == VGG16_BLOCKS_1_TO_4
    trainable = {layer.name for layer in clf.model.layers if layer.trainable and layer.weights}
    assert {"block5_conv1", "block5_conv2", "block5_conv3", "head_dense", "head_out"} <= trainable
    assert not trainable & set(VGG16_BLOCKS_1_TO_4)
    assert clf.cut_layer == "block4_pool" and clf.feature_shape == (4, 4, 512)
    x = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)
    whole = clf.model.predict_on_batch(x)
    halves = clf.trainable_part.predict_on_batch(clf.prefix.predict_on_batch(x))
    np.testing.assert_allclose(whole, halves, atol=1e-6)
    assert np.allclose(whole.sum(1), 1.0)


def test_frozen_setting_and_residual_backbone_cut_between_blocks():
    clf = build_classifier("mobilenet_v2", 3, weights=None, input_size=96, frozen_layers=90)
    assert clf.frozen_layers == 90
    # layer 89 sits inside a residual block; the cut moves back to the block's output
    assert clf.cut_layer == "block_9_add"
    x = np.random.default_rng(1).uniform(0, 255, (2, 96, 96, 3)).astype(np.float32)
    np.testing.assert_allclose(clf.model.predict_on_batch(x),
                               clf.trainable_part.predict_on_batch(clf.prefix.predict_on_batch(x)), atol=1e-5)


def test_nothing_frozen_means_no_prefix():
    clf = build_classifier("tiny_cnn", 2, weights=None, input_size=32)
    assert clf.frozen_layers == 0 and clf.prefix is None and clf.trainable_part is clf.model


def test_weights_file_is_loaded(tmp_path):
    base = build_backbone("tiny_cnn", None, 32)
    path = tmp_path / "tiny.weights.h5"
    base.save_weights(path)
    other = build_backbone("tiny_cnn", str(path), 32)
    for a, b in zip(base.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(UserError, match="does not exist"):
        build_backbone("tiny_cnn", str(tmp_path / "none.h5"), 32)
    with pytest.raises(UserError, match="does not fit"):
        build_backbone("mobilenet_v2", str(path), 96)


def test_tiny_cnn_has_no_imagenet_weights():
    with pytest.raises(UserError, match="no ImageNet"):
        build_backbone("tiny_cnn", "imagenet", 32)
    with pytest.raises(UserError, match="Unknown backbone"):
        build_backbone("alexnet", None, 32)
