"""KID and FID math on synthetic features, and the feature-network plumbing without downloads."""
from __future__ import annotations

import numpy as np
import pytest

from ganime_gui.core.gan.metrics import (CallableFeatures, InceptionGraphFeatures, KerasInceptionFeatures,
                                         frechet_distance, frechet_inception_distance,
                                         kernel_inception_distance, resize_for_inception, score_images)
from ganime_gui.core.jobs import UserError


def test_identical_sets_score_about_zero():
    feats = np.random.default_rng(0).standard_normal((400, 32))
    assert frechet_inception_distance(feats, feats) == pytest.approx(0.0, abs=1e-6)
    kid, _ = kernel_inception_distance(feats, feats, num_subsets=20, max_subset_size=200)
    shifted, _ = kernel_inception_distance(feats, feats + 0.5, num_subsets=20, max_subset_size=200)
    # The unbiased estimator leaves out k(x, x) within a set but not across sets, so identical
    # sets give -O(1/m), not exactly 0: tiny next to a real difference.
    assert abs(kid) < 0.05 * shifted


def test_frechet_distance_matches_closed_form_for_known_gaussians():
    # N(mu1, diag(v1)) vs N(mu2, diag(v2)): ||mu1 - mu2||² + Σ (v1 + v2 - 2 sqrt(v1 v2)).
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    v1, v2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum(v1 + v2 - 2 * np.sqrt(v1 * v2))
    assert frechet_distance(mu1, np.diag(v1), mu2, np.diag(v2)) == pytest.approx(expected, rel=1e-9)
    # And from samples, the estimate approaches it.
    rng = np.random.default_rng(1)
    a = mu1 + rng.standard_normal((50000, 3)) * np.sqrt(v1)
    b = mu2 + rng.standard_normal((50000, 3)) * np.sqrt(v2)
    assert frechet_inception_distance(a, b) == pytest.approx(expected, rel=0.02)


def test_frechet_distance_with_a_full_covariance():
    # Same covariance, different means: the distance is just the squared mean difference.
    cov = np.array([[2.0, 0.8], [0.8, 1.0]])
    assert frechet_distance([0, 0], cov, [3, 4], cov) == pytest.approx(25.0, abs=1e-6)


def test_kid_is_unbiased_and_grows_with_the_gap():
    rng = np.random.default_rng(2)
    same_a, same_b = rng.standard_normal((300, 16)), rng.standard_normal((300, 16))
    near = rng.standard_normal((300, 16)) + 0.3
    far = rng.standard_normal((300, 16)) + 1.0
    k_same, std = kernel_inception_distance(same_a, same_b, num_subsets=50, max_subset_size=100)
    k_near, _ = kernel_inception_distance(same_a, near, num_subsets=50, max_subset_size=100)
    k_far, _ = kernel_inception_distance(same_a, far, num_subsets=50, max_subset_size=100)
    assert abs(k_same) < 3 * std + 1e-3  # unbiased: no offset from the finite sample
    assert 0 < k_near < k_far


def test_score_images_labels_network_and_counts():
    rng = np.random.default_rng(3)
    real = rng.integers(0, 255, (12, 32, 32, 3), dtype=np.uint8)
    fake = rng.uniform(-1, 1, (10, 32, 32, 3)).astype(np.float32)
    # A tiny feature network: per-channel mean and std of a 16×16 resize.
    extractor = CallableFeatures(lambda px: np.concatenate([px.mean((1, 2)), px.std((1, 2))], 1),
                                 "toy statistics", size=16)
    result = score_images(real, fake, extractor, kimg=12.0)
    assert result.network == "toy statistics" and result.real_samples == 12 and result.fake_samples == 10
    assert np.isfinite(result.kid) and result.fid > 0 and "toy statistics" in result.label()


def test_resize_is_antialiased():
    stripes = np.zeros((1, 598, 598, 3), np.uint8)
    stripes[:, :, ::2] = 255  # one-pixel stripes: an aliasing resize keeps them, a filtered one greys
    out = resize_for_inception(stripes)
    assert out.shape == (1, 299, 299, 3)
    assert 100 < out.mean() < 155 and out.std() < 30


def test_keras_inception_without_download_gives_2048_features():
    extractor = KerasInceptionFeatures(weights=None)
    feats = extractor(np.zeros((2, 64, 64, 3), np.uint8))
    assert feats.shape == (2, 2048) and np.isfinite(feats).all()


def test_inception_graph_file_is_read_at_expanddims_and_pool3(tmp_path):
    # A stand-in graph with the 2015-12-05 graph's tensor names (the real one is 95 MB).
    from ganime_gui.core.tfsetup import import_tensorflow
    tf = import_tensorflow()
    graph = tf.Graph()
    with graph.as_default():
        image = tf.compat.v1.placeholder(tf.float32, [None, None, 3], name="Cast")
        batch = tf.expand_dims(image, 0, name="ExpandDims")
        means = tf.reduce_mean(batch, axis=[1, 2], keepdims=True)
        tf.tile(means, [1, 1, 1, 4], name="pool_3")
    path = tmp_path / "classify_image_graph_def.pb"
    path.write_bytes(graph.as_graph_def().SerializeToString())
    extractor = InceptionGraphFeatures(path)
    img = np.full((2, 8, 8, 3), [10, 20, 30], np.uint8)
    feats = extractor(img)
    assert feats.shape == (2, 12) and np.allclose(feats[0, :3], [10, 20, 30], atol=0.5)
    assert "pytorch-fid" in extractor.name
    with pytest.raises(UserError, match="does not exist"):
        InceptionGraphFeatures(tmp_path / "missing.pb")
