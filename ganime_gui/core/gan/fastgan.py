"""FastGAN's networks (Liu et al. 2021, "Towards Faster and Stabilized GAN Training for
High-fidelity Few-shot Image Synthesis"; official code: odegeasslbc/FastGAN-pytorch), scaled from
the paper's 256-1024 px down to this app's 16-128 px.

Generator (exported as ``.keras``, so Keras's own layers only: it loads with ``safe_mode`` on and no
custom objects). The latent goes to 4×4 (dense, batch norm, GLU); each 2× stage is nearest
up-sampling, a 3×3 conv to 2C channels, batch norm and a GLU (value · sigmoid(gate)); the GLU's two
halves are two convs (or dense layers) of C channels each, which is the same as one conv of 2C
split in two. Skip-layer excitation (SLE): a small feature map is average-pooled to 4×4, a 4×4
valid conv, LeakyReLU(0.1), 1×1 conv and sigmoid make one gate per channel, multiplied into the
map 8× larger (4×4 into 32×32 and 8×8 into 64×64 at 64 px; 16×16 into 128×128 too at 128 px;
the paper does 8→128, 16→256, 32→512 at 1024 px). A 3×3 conv to RGB and tanh end it.

Widths follow FastGAN's shape with ``base_channels`` as its ngf: ngf at res/2, ngf/2 at the
output resolution, doubling towards 4×4 (capped at ``max_channels``), so 4×4 has the DCGAN
generator's width (``models.stage_channels``) plus one narrow full-resolution stage. The paper's
noise injection and its second 128 px output (for its small-D branch) are left out.

Discriminator: a 4×4 stride-2 stem, then the paper's DownBlockComp to 4×4 (main path conv 4×4
stride 2 + LeakyReLU(0.2) + conv 3×3 + LeakyReLU(0.2), shortcut average-pool 2 + conv 1×1 +
LeakyReLU(0.2), the two averaged) and a dense logit, with the widths of the DCGAN discriminator.
Every conv is spectrally normalised and there is no batch norm. The official code has both, but
batch norm undoes the Lipschitz bound spectral norm gives (it divides by the batch's std), and
with real and fake batches normalised apart the discriminator can tell them apart by their
statistics; the ``diffaug`` architecture's SN-only discriminator trains stably with the same loss.

Self-supervision: two small decoders (nearest up-sampling, 3×3 conv, GLU, the base width at 16×16
halving per stage; 3×3 conv and tanh to RGB) reconstruct the whole (augmented) real image at res/2
from the 8×8 feature map, and one random quarter of it (res/2 × res/2) from the matching quarter
of the 16×16 map. The paper scores the
reconstructions with LPIPS, which needs downloaded VGG weights; here it is the mean squared error
on pixels, weight 1 (``ArchSpec.recon_weight``), added to the discriminator's loss on real images
only. The decoders are plain convs (no spectral norm): they are a side head, not part of the
adversarial logit, and need the freedom to match the pixels.
"""
from __future__ import annotations

import math

from ganime_gui.core.gan.config import GanConfig
from ganime_gui.core.gan.models import (_BN_MOMENTUM, _INIT_STD, _spectral_layers, copy_weights, leaky_relu,
                                        stage_channels)
from ganime_gui.core.tfsetup import import_tensorflow

QUARTERS = 4  # the decoders' part target is one of the four quarters, chosen per image


def generator_channels(config: GanConfig) -> list[int]:
    """Channels of the generator's maps at 4×4, 8×8, ..., res (one more than ``stage_channels``)."""
    return stage_channels(config) + [max(4, config.base_channels // 2)]


def sle_pairs(resolution: int) -> list[tuple[int, int]]:
    """(small, big) map sizes the skip-layer excitations join: small → 8× small, from 4×4 on."""
    pairs, small = [], 4
    while small * 8 <= resolution:
        pairs.append((small, small * 8))
        small *= 2
    return pairs


def build_fastgan_generator(config: GanConfig, name: str = "generator", synchronized: bool = False):
    import_tensorflow()
    import keras
    from keras import layers

    init = keras.initializers.RandomNormal(stddev=_INIT_STD)

    def bn(prefix):
        return layers.BatchNormalization(momentum=_BN_MOMENTUM, synchronized=synchronized, name=prefix)

    def glu(value, gate, prefix):
        return layers.Multiply(name=f"{prefix}_glu")([value, layers.Activation("sigmoid",
                                                                              name=f"{prefix}_gate")(gate)])

    def up_block(x, c, size):
        x = layers.UpSampling2D(2, interpolation="nearest", name=f"up{size}")(x)
        halves = [bn(f"bn{size}_{half}")(layers.Conv2D(c, 3, padding="same", use_bias=False,
                                                       kernel_initializer=init,
                                                       name=f"conv{size}_{half}")(x))
                  for half in ("value", "gate")]
        return glu(*halves, prefix=f"block{size}")

    def excitation(small):
        """A per-channel gate in (0, 1) from a small map for the map 8× its size: (B, 1, 1, C)."""
        s = small.shape[1]
        c = chans[int(math.log2(s * 8)) - 2]
        if s > 4:
            small = layers.AveragePooling2D(s // 4, name=f"sle{s}_pool")(small)
        y = layers.Conv2D(c, 4, padding="valid", kernel_initializer=init, name=f"sle{s}_conv4")(small)
        y = layers.LeakyReLU(0.1, name=f"sle{s}_leaky")(y)
        y = layers.Conv2D(c, 1, kernel_initializer=init, name=f"sle{s}_conv1")(y)
        return layers.Activation("sigmoid", name=f"sle{s}_sigmoid")(y)

    chans = generator_channels(config)
    z = keras.Input((config.latent_dim,), name="latent")
    halves = []
    for half in ("value", "gate"):
        h = layers.Dense(4 * 4 * chans[0], use_bias=False, kernel_initializer=init, name=f"init_{half}")(z)
        h = layers.Reshape((4, 4, chans[0]), name=f"init_{half}_4x4")(h)
        halves.append(bn(f"bn4_{half}")(h))
    x = glu(*halves, prefix="block4")
    pending = {big: small for small, big in sle_pairs(config.resolution)}
    feats = {4: x}
    for c in chans[1:]:
        size = x.shape[1] * 2
        x = up_block(x, c, size)
        if size in pending:
            gate = excitation(feats[pending[size]])
            x = layers.Multiply(name=f"sle{pending[size]}to{size}")([x, gate])
        feats[size] = x
    x = layers.Conv2D(3, 3, padding="same", kernel_initializer=init, name="to_rgb")(x)
    out = layers.Activation("tanh", dtype="float32", name="tanh")(x)
    return keras.Model(z, out, name=name)


class FastGanDiscriminator:
    """The adversarial discriminator and its reconstruction model, sharing one trunk.

    ``logits``: image → (B, 1), called as every architecture's discriminator is. ``with_recon``:
    (image, one-hot quarter (B, 4)) → (logits, whole image at res/2, that quarter at res/2), for
    real images; its variables are all of the discriminator's (trunk, logit and decoders)."""

    def __init__(self, logits, with_recon):
        self.logits, self.with_recon = logits, with_recon


def build_fastgan_discriminator(config: GanConfig, name: str = "discriminator") -> FastGanDiscriminator:
    import_tensorflow()
    import keras
    from keras import layers, ops

    spectral = _spectral_layers()
    init = keras.initializers.RandomNormal(stddev=_INIT_STD)
    leaky = leaky_relu(0.2)
    res = config.resolution
    chans = list(reversed(stage_channels(config)))  # res/2 ... 4×4, as the DCGAN discriminator

    def act(x, label):
        return layers.Activation(leaky, name=f"{label}_leaky")(x)

    def down_block(x, c, size):
        main = act(spectral(c, kernel_size=4, strides=2, name=f"down{size}_conv4")(x), f"down{size}_a")
        main = act(spectral(c, kernel_size=3, name=f"down{size}_conv3")(main), f"down{size}_b")
        short = layers.AveragePooling2D(2, name=f"down{size}_pool")(x)
        short = act(spectral(c, kernel_size=1, name=f"down{size}_conv1")(short), f"down{size}_short")
        return layers.Average(name=f"down{size}")([main, short])

    def decoder(x, label):
        """8×8 (or 4×4 at 16 px) features → an RGB image at res/2; the width at 16×16 is the base
        width, halving per stage (wider decoders cost more than the trunk they train)."""
        while x.shape[1] < res // 2:
            size = x.shape[1] * 2
            c = max(4, config.base_channels * 16 // size)
            x = layers.UpSampling2D(2, interpolation="nearest", name=f"{label}_up{size}")(x)
            value, gate = (layers.Conv2D(c, 3, padding="same", kernel_initializer=init,
                                         name=f"{label}_conv{size}_{half}")(x) for half in ("value", "gate"))
            x = layers.Multiply(name=f"{label}_glu{size}")(
                [value, layers.Activation("sigmoid", name=f"{label}_gate{size}")(gate)])
        x = layers.Conv2D(3, 3, padding="same", kernel_initializer=init, name=f"{label}_to_rgb")(x)
        return layers.Activation("tanh", dtype="float32", name=f"{label}_tanh")(x)

    image = keras.Input((res, res, 3), name="image")
    x = act(spectral(chans[0], kernel_size=4, strides=2, name="stem")(image), "stem")
    feats = {x.shape[1]: x}
    for c in chans[1:]:
        x = down_block(x, c, x.shape[1] // 2)
        feats[x.shape[1]] = x
    logits = spectral(1, name="logit")(layers.Flatten(name="flatten")(x))
    logits_model = keras.Model(image, logits, name=name)

    quarter = keras.Input((QUARTERS,), name="quarter")
    part_map = feats[min(16, res // 2)]
    h = part_map.shape[1] // 2
    crops = [((0, h), (0, h)), ((0, h), (h, 0)), ((h, 0), (0, h)), ((h, 0), (h, 0))]  # as the targets
    quarters = ops.stack([layers.Cropping2D(c, name=f"quarter{i}")(part_map) for i, c in enumerate(crops)], 1)
    chosen = ops.einsum("bq,bqhwc->bhwc", quarter, quarters)
    recon_all = decoder(feats[min(8, res // 2)], "decode_all")
    recon_part = decoder(chosen, "decode_part")
    with_recon = keras.Model([image, quarter], [logits, recon_all, recon_part], name=f"{name}_recon")
    return FastGanDiscriminator(logits_model, with_recon)


def build_fastgan_models(config: GanConfig, replicas: int = 1):
    """(generator, discriminator, ema_generator, d_recon), as ``models.build_models``: ``d_recon``
    is the discriminator with its decoders (:class:`FastGanDiscriminator`'s ``with_recon``)."""
    sync = replicas > 1
    generator = build_fastgan_generator(config, synchronized=sync)
    disc = build_fastgan_discriminator(config)
    ema = build_fastgan_generator(config, name="generator_ema")
    copy_weights(ema, generator)
    return generator, disc.logits, ema, disc.with_recon


def reconstruction_targets(tf, images, quarter):
    """What the decoders should give for ``images`` (B, res, res, 3) and one-hot quarters (B, 4):
    the whole image average-pooled to res/2, and the chosen quarter at full resolution."""
    h = images.shape[1] // 2
    whole = tf.nn.avg_pool2d(images, 2, 2, "VALID")
    quarters = tf.stack([images[:, :h, :h], images[:, :h, h:], images[:, h:, :h], images[:, h:, h:]], 1)
    part = tf.einsum("bq,bqhwc->bhwc", quarter, quarters)
    return whole, part
