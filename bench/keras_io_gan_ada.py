"""The peer for bench/gan.py: keras-io's "Data-efficient GANs with Adaptive Discriminator
Augmentation" (András Béres, examples/generative/gan_ada.py, Apache 2.0), ported to Keras 3 as
faithfully as it allows.

Kept as in the example: its hyperparameters (64×64, noise 64, depth 4, width 128, batch 128,
Adam(2e-4, beta_1 0.5), EMA 0.99, dropout 0.4, leaky slope 0.2), the adaptive augmenter (flip,
translation 0.125, rotation 0.125, zoom 0.25, target accuracy 0.8, integration steps 1000), the
DCGAN generator and discriminator, the non-saturating loss, separate D passes for real and
generated images, ``fit()`` with its compiled ``train_step``, and images plotted every 5 epochs.

Changed for Keras 3 and this benchmark, and nothing else:
* data: the benchmark's prepared 64×64 set (a numpy array in [0, 1]) through ``tf.data``
  (cache, shuffle 10×batch, batch with drop_remainder, prefetch), instead of Caltech Birds
  from tensorflow_datasets with its bounding-box crops;
* KID is off (its InceptionV3 needs ImageNet weights, which cannot be downloaded here), so there
  is no validation pass and no best-KID checkpoint;
* Keras 3 spellings: ``keras.Input`` for ``InputLayer(input_shape=...)``, ``negative_slope`` for
  ``alpha``; ``plot_images`` saves a PNG grid instead of showing a matplotlib figure.
"""
from __future__ import annotations

import numpy as np

# data
image_size = 64

# adaptive discriminator augmentation
max_translation = 0.125
max_rotation = 0.125
max_zoom = 0.25
target_accuracy = 0.8
integration_steps = 1000

# architecture
noise_size = 64
depth = 4
width = 128
leaky_relu_slope = 0.2
dropout_rate = 0.4

# optimization
batch_size = 128
learning_rate = 2e-4
beta_1 = 0.5  # not using the default value of 0.9 is important
ema = 0.99


def prepare_dataset(images01: np.ndarray):
    import tensorflow as tf
    return (tf.data.Dataset.from_tensor_slices(images01.astype(np.float32))
            .cache()
            .shuffle(10 * batch_size)
            .batch(batch_size, drop_remainder=True)
            .prefetch(buffer_size=tf.data.AUTOTUNE))


def build():
    """Returns (GAN_ADA class, step function): built here so importing this module imports no TF."""
    import keras
    import tensorflow as tf
    from keras import layers

    # "hard sigmoid", useful for binary accuracy calculation from logits
    def step(values):
        # negative values -> 0.0, positive values -> 1.0
        return 0.5 * (1.0 + tf.sign(values))

    # augments images with a probability that is dynamically updated during training
    class AdaptiveAugmenter(keras.Model):
        def __init__(self):
            super().__init__()
            # stores the current probability of an image being augmented
            self.probability = tf.Variable(0.0)
            self.augmenter = keras.Sequential(
                [
                    keras.Input(shape=(image_size, image_size, 3)),
                    # blitting/x-flip:
                    layers.RandomFlip("horizontal"),
                    # blitting/integer translation:
                    layers.RandomTranslation(height_factor=max_translation, width_factor=max_translation,
                                             interpolation="nearest"),
                    # geometric/rotation:
                    layers.RandomRotation(factor=max_rotation),
                    # geometric/isotropic and anisotropic scaling:
                    layers.RandomZoom(height_factor=(-max_zoom, 0.0), width_factor=(-max_zoom, 0.0)),
                ],
                name="adaptive_augmenter",
            )

        def call(self, images, training):
            if training:
                augmented_images = self.augmenter(images, training=training)
                # during training either the original or the augmented images are selected
                # based on self.probability
                augmentation_values = tf.random.uniform(shape=(batch_size, 1, 1, 1), minval=0.0, maxval=1.0)
                augmentation_bools = tf.math.less(augmentation_values, self.probability)
                images = tf.where(augmentation_bools, augmented_images, images)
            return images

        def update(self, real_logits):
            current_accuracy = tf.reduce_mean(step(real_logits))
            # the augmentation probability is updated based on the dicriminator's
            # accuracy on real images
            accuracy_error = current_accuracy - target_accuracy
            self.probability.assign(tf.clip_by_value(self.probability + accuracy_error / integration_steps,
                                                     0.0, 1.0))

    # DCGAN generator
    def get_generator():
        noise_input = keras.Input(shape=(noise_size,))
        x = layers.Dense(4 * 4 * width, use_bias=False)(noise_input)
        x = layers.BatchNormalization(scale=False)(x)
        x = layers.ReLU()(x)
        x = layers.Reshape(target_shape=(4, 4, width))(x)
        for _ in range(depth - 1):
            x = layers.Conv2DTranspose(width, kernel_size=4, strides=2, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization(scale=False)(x)
            x = layers.ReLU()(x)
        image_output = layers.Conv2DTranspose(3, kernel_size=4, strides=2, padding="same",
                                              activation="sigmoid")(x)
        return keras.Model(noise_input, image_output, name="generator")

    # DCGAN discriminator
    def get_discriminator():
        image_input = keras.Input(shape=(image_size, image_size, 3))
        x = image_input
        for _ in range(depth):
            x = layers.Conv2D(width, kernel_size=4, strides=2, padding="same", use_bias=False)(x)
            x = layers.BatchNormalization(scale=False)(x)
            x = layers.LeakyReLU(negative_slope=leaky_relu_slope)(x)
        x = layers.Flatten()(x)
        x = layers.Dropout(dropout_rate)(x)
        output_score = layers.Dense(1)(x)
        return keras.Model(image_input, output_score, name="discriminator")

    class GAN_ADA(keras.Model):
        def __init__(self):
            super().__init__()
            self.augmenter = AdaptiveAugmenter()
            self.generator = get_generator()
            self.ema_generator = keras.models.clone_model(self.generator)
            self.discriminator = get_discriminator()

        def compile(self, generator_optimizer, discriminator_optimizer, **kwargs):
            super().compile(**kwargs)
            # separate optimizers for the two networks
            self.generator_optimizer = generator_optimizer
            self.discriminator_optimizer = discriminator_optimizer
            self.generator_loss_tracker = keras.metrics.Mean(name="g_loss")
            self.discriminator_loss_tracker = keras.metrics.Mean(name="d_loss")
            self.real_accuracy = keras.metrics.BinaryAccuracy(name="real_acc")
            self.generated_accuracy = keras.metrics.BinaryAccuracy(name="gen_acc")
            self.augmentation_probability_tracker = keras.metrics.Mean(name="aug_p")

        @property
        def metrics(self):
            return [self.generator_loss_tracker, self.discriminator_loss_tracker, self.real_accuracy,
                    self.generated_accuracy, self.augmentation_probability_tracker]

        def generate(self, batch_size, training):
            latent_samples = tf.random.normal(shape=(batch_size, noise_size))
            # use ema_generator during inference
            if training:
                generated_images = self.generator(latent_samples, training=training)
            else:
                generated_images = self.ema_generator(latent_samples, training=training)
            return generated_images

        def adversarial_loss(self, real_logits, generated_logits):
            # this is usually called the non-saturating GAN loss
            real_labels = tf.ones(shape=(batch_size, 1))
            generated_labels = tf.zeros(shape=(batch_size, 1))
            # the generator tries to produce images that the discriminator considers as real
            generator_loss = keras.losses.binary_crossentropy(real_labels, generated_logits, from_logits=True)
            # the discriminator tries to determine if images are real or generated
            discriminator_loss = keras.losses.binary_crossentropy(
                tf.concat([real_labels, generated_labels], axis=0),
                tf.concat([real_logits, generated_logits], axis=0), from_logits=True)
            return tf.reduce_mean(generator_loss), tf.reduce_mean(discriminator_loss)

        def train_step(self, real_images):
            real_images = self.augmenter(real_images, training=True)
            # use persistent gradient tape because gradients will be calculated twice
            with tf.GradientTape(persistent=True) as tape:
                generated_images = self.generate(batch_size, training=True)
                # gradient is calculated through the image augmentation
                generated_images = self.augmenter(generated_images, training=True)
                # separate forward passes for the real and generated images, meaning
                # that batch normalization is applied separately
                real_logits = self.discriminator(real_images, training=True)
                generated_logits = self.discriminator(generated_images, training=True)
                generator_loss, discriminator_loss = self.adversarial_loss(real_logits, generated_logits)
            # calculate gradients and update weights
            generator_gradients = tape.gradient(generator_loss, self.generator.trainable_weights)
            discriminator_gradients = tape.gradient(discriminator_loss, self.discriminator.trainable_weights)
            self.generator_optimizer.apply_gradients(
                zip(generator_gradients, self.generator.trainable_weights))
            self.discriminator_optimizer.apply_gradients(
                zip(discriminator_gradients, self.discriminator.trainable_weights))
            # update the augmentation probability based on the discriminator's performance
            self.augmenter.update(real_logits)
            self.generator_loss_tracker.update_state(generator_loss)
            self.discriminator_loss_tracker.update_state(discriminator_loss)
            self.real_accuracy.update_state(1.0, step(real_logits))
            self.generated_accuracy.update_state(0.0, step(generated_logits))
            self.augmentation_probability_tracker.update_state(self.augmenter.probability)
            # track the exponential moving average of the generator's weights to decrease
            # variance in the generation quality
            for weight, ema_weight in zip(self.generator.weights, self.ema_generator.weights):
                ema_weight.assign(ema * ema_weight + (1 - ema) * weight)
            # KID is not measured during the training phase for computational efficiency
            return {m.name: m.result() for m in self.metrics}

    return GAN_ADA


def make_model():
    import keras

    GAN_ADA = build()
    model = GAN_ADA()
    model.compile(generator_optimizer=keras.optimizers.Adam(learning_rate, beta_1),
                  discriminator_optimizer=keras.optimizers.Adam(learning_rate, beta_1))
    return model
