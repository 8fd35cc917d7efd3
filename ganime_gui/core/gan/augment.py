"""Differentiable augmentation (DiffAugment: colour, translation, cutout) with a strength p.

Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training": the same random
transforms applied to real and generated images before *every* discriminator call (also in the
generator's step) stop the discriminator memorising a small set without leaking into the samples.
Each transform here is applied to an image with probability ``p`` (the "augmentation strength"),
so the adaptive rule of Karras et al. 2020 (ADA) can tune p; p = 1 is the DiffAugment paper.
All randomness comes from a ``tf.random.Generator`` so checkpoints can hold its state.
"""
from __future__ import annotations

from ganime_gui.core.tfsetup import import_tensorflow

POLICY = ("color", "translation", "cutout")


def _gate(tf, rng, batch, p):
    """1.0 for images this transform applies to (probability p), else 0.0; shape (B, 1, 1, 1)."""
    return tf.cast(rng.uniform([batch, 1, 1, 1]) < p, tf.float32)


def rand_color(tf, x, rng, p):
    b = tf.shape(x)[0]
    g = _gate(tf, rng, b, p)
    x = x + g * (rng.uniform([b, 1, 1, 1]) - 0.5)  # brightness
    mean = tf.reduce_mean(x, axis=3, keepdims=True)
    x = mean + (x - mean) * (1 + g * (rng.uniform([b, 1, 1, 1]) * 2 - 1))  # saturation x[0,2]
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    x = mean + (x - mean) * (1 + g * (rng.uniform([b, 1, 1, 1]) - 0.5))  # contrast x[0.5,1.5]
    return x


def rand_translation(tf, x, rng, p, ratio=0.125):
    """Shift each image by up to ratio×size pixels, filling with zeros (as DiffAugment does)."""
    b, h, w = tf.shape(x)[0], x.shape[1], x.shape[2]
    g = tf.cast(tf.reshape(_gate(tf, rng, b, p), [b, 1]), tf.int32)
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    ty = g * rng.uniform([b, 1], minval=-sh, maxval=sh + 1, dtype=tf.int32)
    tx = g * rng.uniform([b, 1], minval=-sw, maxval=sw + 1, dtype=tf.int32)
    # +1 and clip into a 1-pixel zero border: out-of-range rows/cols read the border.
    rows = tf.clip_by_value(tf.range(h)[None, :] + ty + 1, 0, h + 1)
    cols = tf.clip_by_value(tf.range(w)[None, :] + tx + 1, 0, w + 1)
    padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
    x = tf.gather(padded, rows, axis=1, batch_dims=1)
    x = tf.gather(x, cols, axis=2, batch_dims=1)
    return x


def rand_cutout(tf, x, rng, p, ratio=0.5):
    """Zero a random square of ratio×size on each image."""
    b, h, w = tf.shape(x)[0], x.shape[1], x.shape[2]
    g = _gate(tf, rng, b, p)
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = tf.cast(rng.uniform([b, 1, 1, 1]) * (h + 1 - ch % 2), tf.int32)
    cx = tf.cast(rng.uniform([b, 1, 1, 1]) * (w + 1 - cw % 2), tf.int32)
    ys = tf.reshape(tf.range(h), [1, h, 1, 1])
    xs = tf.reshape(tf.range(w), [1, 1, w, 1])
    inside = ((ys >= cy - ch // 2) & (ys < cy - ch // 2 + ch)
              & (xs >= cx - cw // 2) & (xs < cx - cw // 2 + cw))
    return x * (1.0 - g * tf.cast(inside, tf.float32))


def diff_augment(x, rng, p, policy=POLICY, tf=None):
    """Apply the policy's transforms to a batch in [-1, 1], each image with probability ``p``.

    Pass ``tf`` when calling from inside a ``tf.function`` (AutoGraph should not trace the import).
    """
    tf = tf or import_tensorflow()
    if "color" in policy:
        x = rand_color(tf, x, rng, p)
    if "translation" in policy:
        x = rand_translation(tf, x, rng, p)
    if "cutout" in policy:
        x = rand_cutout(tf, x, rng, p)
    return x
