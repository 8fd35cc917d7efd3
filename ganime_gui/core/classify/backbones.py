"""Backbones and the classifier model built on them.

A classifier is one flat Keras graph: raw RGB 0-255 pixels -> an :class:`ImagePreprocess` layer ->
the backbone (``include_top=False``) -> a small head. The first ``frozen_layers`` backbone layers
are frozen (the seed froze VGG16's first 15: input + blocks 1-4). The graph is also cut in two at
the last frozen layer whose output is a single tensor the rest depends on: the *prefix* (frozen,
its outputs cacheable per image) and the *trainable part* (trained on cached features). Both
share their layers with the full model, so training either trains the one model that is saved.

TensorFlow/Keras are imported only inside functions.
"""
from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from typing import Any, Callable

from ganime_gui.core.jobs import ProgressFn, UserError, never_cancelled, no_progress

PREPROCESS_CAFFE = "caffe"  # VGG16 / ResNet50: RGB->BGR, minus the ImageNet channel means
PREPROCESS_TF = "tf"  # MobileNetV2: scale to [-1, 1]
PREPROCESS_UNIT = "unit"  # scale to [0, 1] (the from-scratch CNN)
PREPROCESS_NONE = "none"  # EfficientNet normalises inside the model


@dataclass(frozen=True)
class BackboneSpec:
    name: str
    label: str
    default_size: int
    # with pretrained weights; None: freeze the whole backbone (classic feature extraction).
    # From scratch (weights none) nothing is frozen unless asked.
    default_frozen: int | None
    preprocess: str
    imagenet: bool = True  # Keras ships ImageNet weights for it
    head_pool: str = "avg"  # "max" finds small things on a big plain background (from-scratch nets)
    note: str = ""
    # Apply runs it in bfloat16 where the CPU computes bfloat16 natively (measured: VGG16 2x faster;
    # MobileNetV2's depthwise convolutions got slower, so it stays float32)
    bf16_inference: bool = False


BACKBONES: dict[str, BackboneSpec] = {
    spec.name: spec for spec in (
        BackboneSpec("vgg16", "VGG16 (the seed's classifier)", 224, 15, PREPROCESS_CAFFE,
                     note="first 15 layers frozen as in the seed; block 5 and the head train",
                     bf16_inference=True),
        BackboneSpec("mobilenet_v2", "MobileNetV2 (fast on CPU)", 128, None, PREPROCESS_TF,
                     note="whole backbone frozen; ImageNet weights exist for 96-224 px"),
        BackboneSpec("efficientnet_b0", "EfficientNetB0", 224, None, PREPROCESS_NONE),
        BackboneSpec("resnet50", "ResNet50 (the seed's good/bad step)", 224, None, PREPROCESS_CAFFE),
        BackboneSpec("tiny_cnn", "Tiny CNN from scratch (tests, quick experiments)", 64, 0, PREPROCESS_UNIT,
                     imagenet=False, head_pool="max"),
    )
}

WEIGHTS_IMAGENET = "imagenet"


def backbone_spec(name: str) -> BackboneSpec:
    try:
        return BACKBONES[name]
    except KeyError:
        raise UserError(f"Unknown backbone '{name}'. Choose one of: {', '.join(BACKBONES)}.") from None


def weights_label(weights: str | os.PathLike | None) -> str:
    """How a weights choice is written in metadata and cache keys."""
    if weights is None or str(weights).lower() in ("", "none"):
        return "none"
    return str(weights)


def normalise_weights(weights: str | os.PathLike | None) -> str | None:
    """'imagenet', None (random init) or an existing file path; 'none'/'' mean None."""
    if weights is None or str(weights).lower() in ("", "none"):
        return None
    if str(weights).lower() == WEIGHTS_IMAGENET:
        return WEIGHTS_IMAGENET
    path = os.fspath(weights)
    if not os.path.isfile(path):
        raise UserError(f"The weights file {path} does not exist. Choose another file, or ImageNet / none.")
    return path


_PREPROCESS_CLASS = None
_class_lock = threading.Lock()


def import_keras():
    """TensorFlow (thread pools set once, by ``core.tfsetup``) and Keras; returns ``(tf, keras)``.

    ``core.tfsetup.import_tensorflow`` also freezes the garbage collector's view of everything the
    import created (see there), so the GAN and the classifier both benefit.
    """
    from ganime_gui.core.tfsetup import import_tensorflow

    tf = import_tensorflow()
    import keras

    return tf, keras


def preprocess_layer_class():
    """The :class:`ImagePreprocess` Keras layer, defined on first use so this module imports no Keras."""
    global _PREPROCESS_CLASS
    with _class_lock:
        if _PREPROCESS_CLASS is not None:
            return _PREPROCESS_CLASS
        _, keras = import_keras()

        @keras.saving.register_keras_serializable(package="ganime")
        class ImagePreprocess(keras.layers.Layer):
            """Raw RGB 0-255 -> what the backbone expects; inside the model so a saved model is
            self-contained."""

            def __init__(self, mode: str = PREPROCESS_NONE, **kwargs):
                super().__init__(**kwargs)
                self.mode = mode

            def call(self, x):
                x = keras.ops.cast(x, "float32")
                if self.mode == PREPROCESS_CAFFE:
                    bgr = keras.ops.flip(x, axis=-1)
                    return bgr - keras.ops.convert_to_tensor([103.939, 116.779, 123.68], "float32")
                if self.mode == PREPROCESS_TF:
                    return x / 127.5 - 1.0
                if self.mode == PREPROCESS_UNIT:
                    return x / 255.0
                return x

            def get_config(self):
                return {**super().get_config(), "mode": self.mode}

        _PREPROCESS_CLASS = ImagePreprocess
        return ImagePreprocess


def custom_objects() -> dict[str, Any]:
    """What ``keras.models.load_model`` needs to read a classifier saved by this app."""
    cls = preprocess_layer_class()
    return {"ImagePreprocess": cls, "ganime>ImagePreprocess": cls}


def default_frozen_layers(spec: BackboneSpec, weights: str | os.PathLike | None, n_layers: int) -> int:
    """How many backbone layers stay frozen by default: none from scratch, else the backbone's default."""
    if normalise_weights(weights) is None:
        return 0
    return n_layers if spec.default_frozen is None else spec.default_frozen


def build_backbone(name: str, weights: str | None, size: int, input_tensor=None,
                   progress: ProgressFn = no_progress, cancelled: Callable[[], bool] = never_cancelled):
    """A Keras backbone without top on ``input_tensor`` (already preprocessed), weights as given.

    ``weights``: 'imagenet' (downloaded once into ~/.keras/models by :mod:`.weights`, then loaded
    from that file as Keras itself would), None, or a weights file.
    """
    _, keras = import_keras()
    spec = backbone_spec(name)
    weights = normalise_weights(weights)
    if name == "tiny_cnn":
        if weights == WEIGHTS_IMAGENET:
            raise UserError("The tiny CNN has no ImageNet weights: train it from scratch (weights: none).")
        model = _tiny_cnn(keras, size, input_tensor)
        if weights is not None:
            _load_weights_file(model, weights, spec)
        return model
    if weights == WEIGHTS_IMAGENET and not spec.imagenet:
        raise UserError(f"{spec.label} has no ImageNet weights; choose none or a weights file.")
    constructors = {
        "vgg16": keras.applications.VGG16,
        "mobilenet_v2": keras.applications.MobileNetV2,
        "efficientnet_b0": keras.applications.EfficientNetB0,
        "resnet50": keras.applications.ResNet50,
    }
    kwargs = dict(include_top=False, input_shape=(size, size, 3), input_tensor=input_tensor)
    if weights == WEIGHTS_IMAGENET:
        from ganime_gui.core.classify.weights import ensure_imagenet_weights

        path = os.fspath(ensure_imagenet_weights(name, size, progress=progress, cancelled=cancelled))
        model = constructors[name](weights=None, **kwargs)
        try:
            _load_weights_file(model, path, spec)
        except UserError as exc:
            raise UserError(f"The ImageNet weights file {path} is damaged or not the right one ({exc}). "
                            "Delete it and train again to download it anew.") from exc
        return model
    model = constructors[name](weights=None, **kwargs)
    if weights is not None:
        _load_weights_file(model, weights, spec)
    return model


def _load_weights_file(model, path: str, spec: BackboneSpec) -> None:
    try:
        model.load_weights(path)
    except Exception as e:  # h5py/Keras raise many types for a file that does not fit
        raise UserError(f"The weights file {os.path.basename(path)} does not fit {spec.label} without "
                        f"its top ({type(e).__name__}: {str(e)[:200]}). Choose a matching file.") from e


def _tiny_cnn(keras, size: int, input_tensor):
    """A small from-scratch CNN, shaped like the Keras applications (input layer first)."""
    inp = input_tensor if input_tensor is not None else keras.Input((size, size, 3))
    x = inp
    for i, filters in enumerate((32, 32, 64, 64), start=1):
        x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"tiny_conv{i}")(x)
        # Without batch norm this net did not learn chibi proportions at all; momentum 0.9 because
        # a short run has few steps to settle the moving statistics that validation uses.
        x = keras.layers.BatchNormalization(momentum=0.9, name=f"tiny_bn{i}")(x)
        x = keras.layers.ReLU(name=f"tiny_relu{i}")(x)
        if i < 4:
            x = keras.layers.MaxPooling2D(2, name=f"tiny_pool{i}")(x)
    inputs = keras.utils.get_source_inputs(inp) if input_tensor is not None else inp
    return keras.Model(inputs, x, name="tiny_cnn")


# --- The classifier --------------------------------------------------------------------------------

@dataclass
class Classifier:
    """The full model and its two halves (which share layers with it)."""

    model: Any  # keras.Model: raw pixels -> class probabilities; the one that is saved
    prefix: Any | None  # keras.Model: raw pixels -> cached features; None when nothing is frozen
    trainable_part: Any  # keras.Model: cached features -> class probabilities (the model itself if no prefix)
    backbone: str
    input_size: int
    frozen_layers: int  # backbone layers frozen, counting its input layer as the seed did
    frozen_layer_names: list[str]
    cut_layer: str | None  # last layer of the prefix

    @property
    def feature_shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.prefix.output.shape[1:]) if self.prefix is not None else ()


def build_classifier(backbone: str, n_classes: int, *, weights: str | None = None,
                     input_size: int | None = None,
                     frozen_layers: int | None = None, head_units: int = 128, dropout: float = 0.3,
                     seed: int | None = 0, progress: ProgressFn = no_progress,
                     cancelled: Callable[[], bool] = never_cancelled) -> Classifier:
    """Build the classifier.

    ``frozen_layers`` None uses the backbone's default (VGG16: 15, others: all) with pretrained
    weights, and freezes nothing with ``weights=None``: random features are not worth keeping.
    """
    _, keras = import_keras()
    spec = backbone_spec(backbone)
    size = int(input_size or spec.default_size)
    if size < 32:
        raise UserError(f"The input size must be at least 32 px (got {size}).")
    if n_classes < 2:
        raise UserError("A classifier needs at least two classes.")
    if seed is not None:
        # Keras applications take no initializer seed; the global seed makes builds repeatable.
        keras.utils.set_random_seed(seed)
    Preprocess = preprocess_layer_class()
    inp = keras.Input((size, size, 3), name="pixels")
    x = Preprocess(spec.preprocess, name="preprocess")(inp)
    base = build_backbone(backbone, weights, size, input_tensor=x, progress=progress, cancelled=cancelled)
    layers = [layer for layer in base.layers if not isinstance(layer, Preprocess)]
    n_frozen = (default_frozen_layers(spec, weights, len(layers)) if frozen_layers is None
                else int(frozen_layers))
    n_frozen = max(0, min(n_frozen, len(layers)))
    for i, layer in enumerate(layers):
        layer.trainable = i >= n_frozen
    pool = keras.layers.GlobalMaxPooling2D if spec.head_pool == "max" else keras.layers.GlobalAveragePooling2D
    h = pool(name="head_pool")(base.output)
    if head_units:
        h = keras.layers.Dense(head_units, activation="relu", name="head_dense")(h)
    if dropout:
        h = keras.layers.Dropout(dropout, name="head_dropout")(h)
    out = keras.layers.Dense(n_classes, activation="softmax", name="head_out")(h)
    model = keras.Model(inp, out, name=f"{backbone}_classifier")

    prefix, trainable_part, cut_name = None, model, None
    # The cut: the deepest frozen layer whose output alone determines the rest (residual nets only
    # allow this between blocks). Layer 0 is the input: cutting there would cache raw pixels.
    for k in range(n_frozen - 1, 0, -1):
        try:
            candidate = keras.Model(layers[k].output, out, name="trainable_part")
        except ValueError:
            continue
        prefix = keras.Model(inp, layers[k].output, name="frozen_prefix")
        trainable_part, cut_name = candidate, layers[k].name
        break
    return Classifier(model=model, prefix=prefix, trainable_part=trainable_part, backbone=backbone,
                      input_size=size, frozen_layers=n_frozen,
                      frozen_layer_names=[layer.name for layer in layers[:n_frozen]], cut_layer=cut_name)


# Layers kept in float32 in a bfloat16 copy: the pixel preprocessing (it subtracts means from
# 0-255 values) and the final softmax (probabilities are stored, thresholded and trained on).
FLOAT32_LAYERS = ("preprocess", "head_out")


def bfloat16_copy_of(net, copy_weights: bool = True):
    """A ``mixed_bfloat16`` copy of the functional model ``net`` (float32 weights, bfloat16 arithmetic).

    Every layer but :data:`FLOAT32_LAYERS` and the inputs computes in bfloat16; layer names and
    ``trainable`` flags are kept, so weights move between the two with ``get/set_weights``.
    Raises where ``net`` is not a functional model this module built.
    """
    _, keras = import_keras()
    config = net.get_config()
    for layer in config["layers"]:
        if layer["class_name"] == "InputLayer" or layer["config"].get("name") in FLOAT32_LAYERS:
            continue
        layer["config"]["dtype"] = "mixed_bfloat16"
    copy = net.__class__.from_config(config, custom_objects=custom_objects())
    for mine, theirs in zip(copy.layers, net.layers, strict=True):
        mine.trainable = theirs.trainable
    if copy_weights:
        copy.set_weights(net.get_weights())
    return copy


def prefix_fingerprint(clf: Classifier, pad_colour: tuple[int, int, int]) -> str:
    """A key for cached features: same key <=> same prefix computation on the same pixels.

    Hashes the prefix's actual weights, so ImageNet, a weights file and a seeded random init each
    get their own cache, and a changed file invalidates nothing by accident.
    """
    import keras
    import numpy as np

    h = hashlib.blake2b(digest_size=12)
    h.update(f"{clf.backbone}|{clf.input_size}|{clf.cut_layer}|{pad_colour}|".encode())
    for w in clf.prefix.weights:
        h.update(w.path.encode() if hasattr(w, "path") else b"")
        h.update(np.ascontiguousarray(keras.ops.convert_to_numpy(w)).tobytes())
    return h.hexdigest()
