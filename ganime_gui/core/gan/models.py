"""Generator and discriminator networks (Keras 3 on TensorFlow), built from a :class:`GanConfig`.

The generator is DCGAN's for every architecture (dense to 4×4, then stride-2 transposed convs with
batch norm and ReLU, tanh out); the discriminator mirrors it with stride-2 convs and differs only
in its normalisation (see ``config.ARCHITECTURES``). Spectral normalisation is our own layer:
Keras's ``SpectralNormalization`` writes the normalised kernel back into the weight and lets no
gradient through sigma, which is not Miyato et al.'s method.
"""
from __future__ import annotations

import math

from ganime_gui.core.gan.config import GanConfig
from ganime_gui.core.tfsetup import import_tensorflow

_INIT_STD = 0.02  # DCGAN's N(0, 0.02) initialisation
# PyTorch's default (its momentum 0.1), which DCGAN code uses. Keras's 0.99 leaves the running
# statistics near their initial values for hundreds of steps, so early previews (inference mode)
# come out flat grey.
_BN_MOMENTUM = 0.9


def stage_channels(config: GanConfig) -> list[int]:
    """Channels of the feature maps at 4×4, 8×8, ..., res/2 (the generator's order)."""
    n = int(math.log2(config.resolution)) - 2
    return [min(config.max_channels, config.base_channels * 2 ** (n - 1 - i)) for i in range(n)]


def _spectral_layers():
    import_tensorflow()
    import keras
    import tensorflow as tf

    class SpectralNormalized(keras.layers.Layer):
        """Conv2D (4-D kernel) or Dense (2-D kernel) with W / sigma(W), one power iteration per call."""

        def __init__(self, units, kernel_size=None, strides=1, **kwargs):
            super().__init__(**kwargs)
            self.units, self.kernel_size, self.strides = units, kernel_size, strides

        def build(self, input_shape):
            init = keras.initializers.RandomNormal(stddev=_INIT_STD)
            if self.kernel_size:
                shape = (self.kernel_size, self.kernel_size, input_shape[-1], self.units)
            else:
                shape = (input_shape[-1], self.units)
            self.kernel = self.add_weight(shape=shape, initializer=init, name="kernel")
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")
            self.sn_u = self.add_weight(shape=(1, self.units), initializer=keras.initializers.RandomNormal(),
                                        trainable=False, name="sn_u")

        def call(self, x, training=False):
            w = tf.reshape(self.kernel, [-1, self.units])
            u = tf.convert_to_tensor(self.sn_u)
            v = tf.math.l2_normalize(tf.matmul(u, w, transpose_b=True))
            u_new = tf.math.l2_normalize(tf.matmul(v, w))
            u_new, v = tf.stop_gradient(u_new), tf.stop_gradient(v)
            sigma = tf.reshape(tf.matmul(tf.matmul(v, w), u_new, transpose_b=True), [])
            if training:
                self.sn_u.assign(u_new)
            kernel = self.kernel / sigma
            if self.kernel_size:
                y = tf.nn.conv2d(x, kernel, self.strides, "SAME")
            else:
                y = tf.matmul(x, kernel)
            return tf.nn.bias_add(y, self.bias)

        def compute_output_shape(self, input_shape):
            if self.kernel_size:
                s = self.strides
                return (input_shape[0], input_shape[1] // s, input_shape[2] // s, self.units)
            return (input_shape[0], self.units)

    return SpectralNormalized


def build_generator(config: GanConfig, name: str = "generator", synchronized: bool = False):
    """``synchronized``: batch-norm statistics over the global batch when training on several
    replicas (GPUs or machines), so every replica holds the same running statistics and the run
    trains as one device with the global batch would."""
    import_tensorflow()
    import keras
    from keras import layers

    init = keras.initializers.RandomNormal(stddev=_INIT_STD)
    chans = stage_channels(config)
    model = keras.Sequential(name=name)
    model.add(keras.Input((config.latent_dim,)))
    model.add(layers.Dense(4 * 4 * chans[0], use_bias=False, kernel_initializer=init))
    model.add(layers.Reshape((4, 4, chans[0])))
    model.add(layers.BatchNormalization(momentum=_BN_MOMENTUM, synchronized=synchronized))
    model.add(layers.ReLU())
    for c in chans[1:]:
        model.add(layers.Conv2DTranspose(c, 4, strides=2, padding="same", use_bias=False,
                                         kernel_initializer=init))
        model.add(layers.BatchNormalization(momentum=_BN_MOMENTUM, synchronized=synchronized))
        model.add(layers.ReLU())
    model.add(layers.Conv2DTranspose(3, 4, strides=2, padding="same", kernel_initializer=init))
    model.add(layers.Activation("tanh", dtype="float32"))
    return model


def leaky_relu(slope: float):
    """max(x, slope·x): LeakyReLU as plain ops. TF's grappler logs "remapper failed" and skips
    optimising when it tries to fuse conv + bias + LeakyRelu inside a loop or our own conv."""
    import keras

    def leaky(x):
        return keras.ops.maximum(x, slope * x)
    return leaky


def minibatch_stddev_layer(group_size: int):
    """ProGAN's minibatch standard deviation (Karras et al. 2018): one feature map holding how much
    the images of a small group differ, so the discriminator can tell a collapsed generator's
    batch (too alike) from a real one, and the generator is pushed to cover more of the set."""
    import keras
    import tensorflow as tf

    class MinibatchStdDev(keras.layers.Layer):
        def call(self, x):
            shape = tf.shape(x)
            n, h, w = shape[0], shape[1], shape[2]
            group = tf.minimum(group_size, n)
            # groups of `group` images (n must divide: batch sizes here are multiples of 4; else 1)
            group = tf.where(n % group == 0, group, 1)
            y = tf.reshape(x, [group, -1, h, w, x.shape[-1]])
            y = tf.sqrt(tf.reduce_mean(tf.square(y - tf.reduce_mean(y, axis=0)), axis=0) + 1e-8)
            y = tf.reduce_mean(y, axis=[1, 2, 3], keepdims=True)  # one number per group
            y = tf.reshape(tf.tile(y, [group, h, w, 1]), [n, h, w, 1])  # a static last dimension
            return tf.concat([x, tf.cast(y, x.dtype)], axis=-1)

        def compute_output_shape(self, input_shape):
            return (*input_shape[:-1], input_shape[-1] + 1)

    return MinibatchStdDev(name="minibatch_stddev")


def build_discriminator(config: GanConfig, name: str = "discriminator", synchronized: bool = False):
    import_tensorflow()
    import keras
    from keras import layers

    init = keras.initializers.RandomNormal(stddev=_INIT_STD)
    norm = config.spec.d_norm
    spectral = _spectral_layers() if norm == "spectral" else None
    chans = list(reversed(stage_channels(config)))  # res/2 ... 4×4
    leaky = leaky_relu(0.1 if spectral is not None else 0.2)  # SNGAN used 0.1, DCGAN 0.2
    model = keras.Sequential(name=name)
    model.add(keras.Input((config.resolution, config.resolution, 3)))
    for i, c in enumerate(chans):
        if i == len(chans) - 1 and config.spec.minibatch_std and config.minibatch_std:
            # before the last conv, as ProGAN: it can then use the spread with the features
            model.add(minibatch_stddev_layer(config.minibatch_std))
        if spectral is not None:
            model.add(spectral(c, kernel_size=4, strides=2))
        else:
            model.add(layers.Conv2D(c, 4, strides=2, padding="same", kernel_initializer=init,
                                    use_bias=(i == 0 or norm != "batch")))
            if i > 0 and norm == "batch":
                model.add(layers.BatchNormalization(momentum=_BN_MOMENTUM, synchronized=synchronized))
            elif i > 0 and norm == "layer":
                model.add(layers.LayerNormalization(axis=[1, 2, 3]))
        model.add(layers.Activation(leaky))
    model.add(layers.Flatten())
    if spectral is not None:
        model.add(spectral(1))
    else:
        model.add(layers.Dense(1, kernel_initializer=init))
    return model


def copy_weights(target, source) -> None:
    """Start the EMA generator equal to the generator (both from the same builder)."""
    for t, w in zip(target.weights, source.weights):
        t.assign(w)


def build_models(config: GanConfig, replicas: int = 1):
    """(generator, discriminator, ema_generator, None) for the DCGAN-shaped networks; the EMA copy
    starts equal to the generator. (``fastgan.build_fastgan_models`` gives FastGAN's, with its
    reconstruction model in the last place.) With several ``replicas`` batch norm is synchronised
    over them, except the EMA copy's: it is never trained, and its statistics are recomputed
    outside the replicas (``GanModel.refresh_ema_statistics``)."""
    sync = replicas > 1
    generator = build_generator(config, synchronized=sync)
    discriminator = build_discriminator(config, synchronized=sync)
    ema = build_generator(config, name="generator_ema")
    copy_weights(ema, generator)
    return generator, discriminator, ema, None
