"""Apply's bfloat16 path: the same decisions and nearly the same scores as float32."""
import numpy as np
import pytest

from ganime_gui.core.classify import apply as ap
from ganime_gui.core.classify.apply import apply_classifier, bfloat16_copy, resolve_precision
from ganime_gui.core.classify.models import load_keras_model
from ganime_gui.core.jobs import UserError

# bfloat16 keeps 8 significant bits; through a whole network the softmax moves by ~1e-3 (measured
# 0.0009 on VGG16 at 128 px); well above that would mean a layer computing in the wrong type.
MAX_SCORE_DIFF = 0.02


def _agreement(p32: np.ndarray, p16: np.ndarray) -> None:
    diff = np.abs(p32 - p16).max()
    assert diff < MAX_SCORE_DIFF, diff
    # argmax may only differ where float32 itself is within the rounding of a tie
    top2 = np.sort(p32, axis=1)[:, -2:]
    clear = (top2[:, 1] - top2[:, 0]) > 2 * diff
    assert clear.sum() >= len(p32) // 2  # the check below is not vacuous
    np.testing.assert_array_equal(p32.argmax(1)[clear], p16.argmax(1)[clear])


def test_bfloat16_apply_agrees_with_float32_on_a_trained_model(trained_model, small_items):
    paths = [p for p, _ in small_items[:40]]
    net = load_keras_model(trained_model.model_path)
    r32 = apply_classifier(trained_model.model_path, paths, keras_model=net, precision="float32")
    r16 = apply_classifier(trained_model.model_path, paths, keras_model=net, precision="bfloat16")
    assert (r32.precision, r16.precision) == ("float32", "bfloat16")
    assert r16.paths == r32.paths
    _agreement(r32.probabilities, r16.probabilities)
    np.testing.assert_allclose(r16.probabilities.sum(1), 1, atol=1e-5)  # the softmax stays float32


def test_bfloat16_copy_of_vgg16_keeps_the_softmax_in_float32_and_agrees():
    from ganime_gui.core.classify.backbones import build_classifier, import_keras

    tf, _ = import_keras()
    clf = build_classifier("vgg16", 3, weights=None, input_size=32, head_units=0, dropout=0)
    net = clf.model
    copy = bfloat16_copy(net)
    policies = {layer.name: layer.dtype_policy.name for layer in copy.layers}
    assert policies["block5_conv3"] == "mixed_bfloat16" and policies["block1_conv1"] == "mixed_bfloat16"
    assert policies["head_out"] == "float32" and policies["preprocess"] == "float32"
    assert copy.output.dtype == "float32"
    assert bfloat16_copy(net) is copy  # built once per model
    x = np.random.default_rng(1).uniform(0, 255, (24, 32, 32, 3)).astype(np.float32)
    # a random VGG16 scores all images alike; scale the head so the classes separate clearly
    w, b = net.get_layer("head_out").get_weights()
    net.get_layer("head_out").set_weights([w * 50, b])
    copy = bfloat16_copy(net)  # weights are refreshed from the model on every call
    p32 = net(x, training=False).numpy()
    p16 = copy(x, training=False).numpy()
    _agreement(p32, p16)


def test_precision_resolution(monkeypatch):
    monkeypatch.delenv("GANIME_INFERENCE_PRECISION", raising=False)
    assert resolve_precision("float32", "vgg16") == "float32"
    assert resolve_precision("bfloat16", "mobilenet_v2") == "bfloat16"
    # MobileNetV2 measured slower in bfloat16; unknown backbones stay exact
    assert resolve_precision("auto", "mobilenet_v2") == "float32"
    assert resolve_precision("auto", None) == "float32"
    monkeypatch.setattr(ap, "cpu_has_native_bf16", lambda: False)
    assert resolve_precision("auto", "vgg16") == "float32"
    monkeypatch.setattr(ap, "cpu_has_native_bf16", lambda: True)
    assert resolve_precision("auto", "vgg16") == "bfloat16"
    monkeypatch.setenv("GANIME_INFERENCE_PRECISION", "float32")
    assert resolve_precision("auto", "vgg16") == "float32"
    with pytest.raises(UserError):
        resolve_precision("float16", "vgg16")


def test_tensorflow_import_leaves_the_collector_on_with_its_objects_frozen():
    import gc

    from ganime_gui.core.classify.backbones import import_keras

    import_keras()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 10_000  # TensorFlow's and Keras's objects, out of every full collection


@pytest.mark.parametrize("cached", [True, False])
def test_mixed_precision_training_saves_a_float32_model_with_the_trained_weights(small_items, tmp_path,
                                                                                 cached):
    from ganime_gui.core.classify.train import TrainConfig, train_classifier

    cfg = TrainConfig(backbone="tiny_cnn", weights=None, input_size=48, frozen_layers=5 if cached else 0,
                      epochs=2, batch_size=16, mixed_precision=True)
    result = train_classifier(small_items, cfg, models_dir=tmp_path / "m", cache_dir=tmp_path / "c")
    assert result.metadata["feature_cache"] is cached and result.metadata["config"]["mixed_precision"]
    net = load_keras_model(result.model_path)
    assert {layer.dtype_policy.name for layer in net.layers} == {"float32"}
    # the saved float32 model scores the validation images as the bfloat16 copy did when it was best
    paths = [item["path"] for item in result.evaluation["wrong"] + result.evaluation["least_sure"]]
    reviewed = result.evaluation["wrong"] + result.evaluation["least_sure"]
    expected = {item["path"]: item["probabilities"] for item in reviewed}
    got = apply_classifier(result.model_path, paths, keras_model=net, precision="float32")
    np.testing.assert_allclose(got.probabilities, [expected[p] for p in got.paths], atol=MAX_SCORE_DIFF)
