"""The GAN as a ``keras.Model`` with its own ``train_step``, in the keras-io style: the networks,
their optimisers, the losses and one training step (D updates, then one G update, then the EMA
generator), plus the state a checkpoint holds.

``GanModel.train_step(reals)`` is one replica's step; ``distributed_step`` runs it on every replica
of the strategy, sums the losses and counts the images; the trainer wraps it in ``tf.function``.
The losses per architecture (``config.ARCHITECTURES``):

* hinge (diffaug):        D: relu(1 - D(x)) + relu(1 + D(G(z)));  G: -D(G(z))
* non-saturating (dcgan): D: softplus(-D(x)) + softplus(D(G(z)));  G: softplus(-D(G(z)))
* Wasserstein (wgan-gp):  D: D(G(z)) - D(x) + 10 (|grad D(mix)| - 1)²;  G: -D(G(z))
* hinge, random margins (fastgan): D: relu(u - D(x)) + relu(u' + D(G(z))) + |dec(D(x)) - x|²,
  u, u' ~ U(0.8, 1) per image as the official FastGAN code; G: -D(G(z)). The last term is the
  self-supervised reconstruction of the augmented reals (``fastgan.py``), mean squared error.
"""
from __future__ import annotations

import numpy as np

from ganime_gui.core.gan.config import GanConfig
from ganime_gui.core.tfsetup import import_tensorflow


def d_loss_per_example(tf, loss: str, real_logits, fake_logits, margins=(1.0, 1.0)):
    """``margins``: the hinge's margins for real and fake logits (1, or FastGAN's random ones)."""
    if loss == "hinge":
        return tf.nn.relu(margins[0] - real_logits) + tf.nn.relu(margins[1] + fake_logits)
    if loss == "nonsaturating":
        return tf.nn.softplus(-real_logits) + tf.nn.softplus(fake_logits)
    return fake_logits - real_logits  # wgan-gp


def g_loss_per_example(tf, loss: str, fake_logits):
    if loss == "nonsaturating":
        return tf.nn.softplus(-fake_logits)
    return -fake_logits  # hinge and wgan: the generator raises D's score


# Latents for the EMA generator's standing statistics. 256 gave the same SWD as 1 024 (168.6 vs
# 168.7 at 10 kimg) at a quarter of the cost on a 2-core CPU: 0.5 s, one training step, against
# 2.2 s. It is paid at every preview, and the early previews come every 8 steps.
STANDING_LATENTS = 256


def batch_norm_layers(model) -> list:
    import keras
    return [layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]


def build_gan_model(config: GanConfig, strategy=None):
    """A :class:`GanModel` for ``config`` (build it inside ``strategy.scope()`` when distributed)."""
    tf = import_tensorflow()
    import keras

    from ganime_gui.core.gan.augment import diff_augment
    from ganime_gui.core.gan.fastgan import QUARTERS, build_fastgan_models, reconstruction_targets
    from ganime_gui.core.gan.models import build_models

    class GanModel(keras.Model):
        def __init__(self, config: GanConfig, strategy):
            super().__init__(name="gan")
            self.config = config
            self.strategy = strategy or tf.distribute.get_strategy()
            keras.utils.set_random_seed(config.seed)  # weight initialisation
            # D_recon (FastGAN only, else None): D with its decoders, for the reconstruction loss.
            build = build_fastgan_models if config.spec.nets == "fastgan" else build_models
            self.G, self.D, self.G_ema, self.D_recon = build(config, self.strategy.num_replicas_in_sync)
            b1, b2 = config.spec.betas
            self.g_opt = keras.optimizers.Adam(config.generator_lr, beta_1=b1, beta_2=b2)
            self.d_opt = keras.optimizers.Adam(config.discriminator_lr, beta_1=b1, beta_2=b2)
            # Keras 3 creates optimiser slots lazily; build them now so a restore has targets.
            self.g_opt.build(self.G.trainable_variables)
            self.d_opt.build(self.d_vars)
            self.rng = tf.random.Generator.from_seed(config.seed)
            self.step_var = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
            self.images_shown = tf.Variable(0, dtype=tf.int64, trainable=False, name="images_shown")
            spec = config.spec
            p0 = (0.0 if config.augment_target is not None else config.augment_p) if spec.augment else 0.0
            self.augment_p = tf.Variable(p0, dtype=tf.float32, trainable=False, name="augment_p")
            rows, cols = config.preview_grid
            latents = np.random.default_rng([config.seed, 1]).standard_normal(
                (rows * cols, config.latent_dim))
            self.preview_z = tf.Variable(latents.astype(np.float32), trainable=False, name="preview_z")
            self._generate_fn = tf.function(lambda z: self.G_ema(z, training=False))
            # G_ema's batch-norm statistics are its own ("standing statistics"): recomputed from
            # its activations on fixed latents before its images are drawn or saved, in one
            # training-mode pass with momentum 0. G's statistics, copied, belong to other weights:
            # they scored SWD 110 against 75 after 10 CPU-minutes (bench/RESULTS.md, GAN).
            for layer in batch_norm_layers(self.G_ema):
                layer.momentum = 0.0
            standing = np.random.default_rng([config.seed, 2]).standard_normal(
                (STANDING_LATENTS, config.latent_dim))
            self.standing_z = tf.constant(standing.astype(np.float32))
            self._standing_fn = tf.function(lambda z: self.G_ema(z, training=True))
            self._standing_step = -1

        # -- what a checkpoint holds (the names are those of every checkpoint written so far) --
        def checkpoint_objects(self) -> dict:
            objects = dict(generator=self.G, discriminator=self.D, generator_ema=self.G_ema,
                           g_optimizer=self.g_opt, d_optimizer=self.d_opt, rng=self.rng, step=self.step_var,
                           images_shown=self.images_shown, augment_p=self.augment_p,
                           preview_z=self.preview_z)
            if self.D_recon is not None:
                objects["discriminator_recon"] = self.D_recon  # the decoders (the trunk is D's)
            return objects

        @property
        def d_vars(self) -> list:
            """What D's optimiser trains: D's variables, with FastGAN's decoders."""
            return (self.D_recon if self.D_recon is not None else self.D).trainable_variables

        @property
        def step(self) -> int:
            return int(self.step_var.numpy())

        @property
        def kimg(self) -> float:
            return int(self.images_shown.numpy()) / 1000.0

        # -- one step ------------------------------------------------------------------------------
        def augment(self, x):
            return diff_augment(x, self.rng, self.augment_p, tf=tf) if self.config.spec.augment else x

        def gradient_penalty(self, reals, fakes):
            eps = self.rng.uniform([tf.shape(reals)[0], 1, 1, 1])
            mixed = eps * reals + (1.0 - eps) * fakes
            with tf.GradientTape() as tape:
                tape.watch(mixed)
                scores = self.D(mixed, training=True)
            grads = tape.gradient(scores, mixed)
            norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
            return tf.square(norms - 1.0)

        def hinge_margins(self, batch):
            """(real, fake) hinge margins: 1, or per image U(1 - jitter, 1) (FastGAN)."""
            jitter = self.config.spec.margin_jitter
            if not jitter:
                return 1.0, 1.0
            return tuple(1.0 - jitter * self.rng.uniform([batch]) for _ in range(2))

        def real_logits_and_recon(self, x):
            """D's logits for augmented reals ``x`` and, for FastGAN, the per-image reconstruction
            error of its decoders (the whole image at res/2, and one random quarter); else 0."""
            if self.D_recon is None:
                return self.D(x, training=True), 0.0
            quarter = tf.one_hot(self.rng.uniform([tf.shape(x)[0]], 0, QUARTERS, dtype=tf.int32), QUARTERS)
            logits, recon_all, recon_part = self.D_recon([x, quarter], training=True)
            whole, part = reconstruction_targets(tf, x, quarter)
            error = (tf.reduce_mean(tf.square(recon_all - whole), axis=[1, 2, 3])
                     + tf.reduce_mean(tf.square(recon_part - part), axis=[1, 2, 3]))
            return logits, error

        def train_step(self, reals):
            """One replica's step on reals shaped (n_critic, batch, H, W, 3): (D loss, G loss,
            sum of sign(D(real))), the losses already divided by the global batch."""
            cfg, spec, G, D, rng = self.config, self.config.spec, self.G, self.D, self.rng
            b = tf.shape(reals)[1]
            real_sign = tf.constant(0.0)
            d_total = tf.constant(0.0)
            # Several critic steps run as a graph loop (traced once) rather than unrolled.
            critic_steps = tf.range(spec.n_critic) if spec.n_critic > 1 else range(1)
            for i in critic_steps:
                x = reals[i]
                z = rng.normal([b, cfg.latent_dim])
                with tf.GradientTape() as tape:
                    fakes = G(z, training=True)
                    real_logits, recon_error = self.real_logits_and_recon(self.augment(x))
                    real_logits = tf.reshape(real_logits, [-1])
                    fake_logits = tf.reshape(D(self.augment(fakes), training=True), [-1])
                    per_example = d_loss_per_example(tf, spec.loss, real_logits, fake_logits,
                                                     self.hinge_margins(b))
                    if self.D_recon is not None:  # FastGAN: decoders reconstruct the reals D saw
                        per_example += spec.recon_weight * recon_error
                    if spec.gp_weight:
                        per_example += spec.gp_weight * self.gradient_penalty(x, fakes)
                    d_loss = tf.nn.compute_average_loss(per_example, global_batch_size=cfg.batch_size)
                grads = tape.gradient(d_loss, self.d_vars)
                self.d_opt.apply_gradients(zip(grads, self.d_vars))
                d_total += d_loss / spec.n_critic
                real_sign += tf.reduce_sum(tf.sign(real_logits)) / spec.n_critic
            z = rng.normal([b, cfg.latent_dim])
            with tf.GradientTape() as tape:
                fake_logits = tf.reshape(D(self.augment(G(z, training=True)), training=True), [-1])
                g_loss = tf.nn.compute_average_loss(g_loss_per_example(tf, spec.loss, fake_logits),
                                                    global_batch_size=cfg.batch_size)
            grads = tape.gradient(g_loss, G.trainable_variables)
            self.g_opt.apply_gradients(zip(grads, G.trainable_variables))
            return d_total, g_loss, real_sign

        def distributed_step(self, reals):
            """``train_step`` on every replica; returns (D loss, G loss, mean sign(D(real)))."""
            strategy = self.strategy
            d_loss, g_loss, real_sign = strategy.run(self.train_step, args=(reals,))
            total = tf.distribute.ReduceOp.SUM
            d_loss = strategy.reduce(total, d_loss, axis=None)
            g_loss = strategy.reduce(total, g_loss, axis=None)
            real_sign = strategy.reduce(total, real_sign, axis=None)
            self.images_shown.assign_add(self.config.images_per_step)
            self.step_var.assign_add(1)
            self.update_ema()
            return d_loss, g_loss, real_sign / self.config.batch_size

        def update_ema(self) -> None:
            """G_ema <- lerp towards G, half-life ema_kimg (ramped up early on, as StyleGAN2-ADA)."""
            cfg = self.config
            shown = tf.cast(self.images_shown, tf.float32)
            ema_nimg = (tf.minimum(cfg.ema_kimg * 1000.0, shown * cfg.ema_rampup) if cfg.ema_rampup
                        else cfg.ema_kimg * 1000.0)
            beta = tf.pow(0.5, cfg.images_per_step / tf.maximum(ema_nimg, 1e-8))
            for e, g in zip(self.G_ema.trainable_weights, self.G.trainable_weights):
                e.assign(g + (e - g) * beta)
            # (its batch-norm statistics: refresh_ema_statistics)

        def refresh_ema_statistics(self) -> None:
            """G_ema's batch-norm statistics from its own activations, once per step reached."""
            if self.step != self._standing_step:
                self._standing_fn(self.standing_z)
                self._standing_step = self.step

        # -- sampling ------------------------------------------------------------------------------
        def generate(self, latents: np.ndarray) -> np.ndarray:
            """EMA-generator images in [-1, 1] for the given latents, (N, res, res, 3) float32."""
            self.refresh_ema_statistics()
            out = [self._generate_fn(tf.constant(latents[i:i + 64], tf.float32)).numpy()
                   for i in range(0, len(latents), 64)]
            return np.concatenate(out)

    return GanModel(config, strategy)
