"""What a GAN run is made of: the architecture presets and the run's settings (no TensorFlow here).

Four architectures:

* ``dcgan``: Radford et al. 2016 as the seed tried it: transposed-conv generator with batch norm,
  a batch-normalised conv discriminator, the non-saturating loss, Adam(2e-4, beta1 0.5). The seed
  saw mode collapse with it; it is here to compare against.
* ``wgan-gp``: Gulrajani et al. 2017 as the seed's 128×128 notebook: same generator, a critic with
  layer norm (batch norm breaks the per-sample gradient penalty), Wasserstein loss with gradient
  penalty 10, five critic steps per generator step, Adam(1e-4, betas 0, 0.9).
* ``diffaug`` (the default, for 2k-10k images at 64×64): the same DCGAN generator, a discriminator
  with spectral normalisation on every layer (Miyato et al. 2018) and the hinge loss (Lim & Ye
  2017; SNGAN/BigGAN), trained 1:1 with Adam(2e-4, betas 0.5, 0.999) - SNGAN's setting for one D
  step per G step. The discriminator has ProGAN's minibatch-stddev layer before its last conv
  (Karras et al. 2018), which makes a generator that covers too little of the set easy to spot.
  DiffAugment colour + translation + cutout on every D input (Zhao et al. 2020) is what makes a
  few thousand images enough: without it the discriminator memorises the set and FID climbs after
  a few hundred kimg (Karras et al. 2020 show the same at 2k-10k images). It is applied at full
  strength p = 1 as in the DiffAugment paper; set ``augment_target`` (e.g. 0.6) to let ADA's
  overfitting heuristic adapt p instead. Samples come from an exponential moving average of the
  generator's weights (Yazici et al. 2019), half-life 10 kimg as StyleGAN2-ADA.

* ``fastgan``: Liu et al. 2021 (FastGAN) scaled to 64×64 (``fastgan.py``): a generator of
  up-sampling + conv + GLU stages with skip-layer excitation, a discriminator of residual
  down-sampling blocks with spectral norm whose 8×8 and 16×16 features must also reconstruct the
  (augmented) real image through two small decoders (self-supervision, MSE weight 1 here; the paper
  uses LPIPS). Hinge loss with FastGAN's random margins (U(0.8, 1) instead of 1, on real and
  fake logits, as the official code), Adam(2e-4, betas 0.5, 0.999), DiffAugment as ``diffaug``.

All four keep an EMA generator (the checkpoints and previews use it) and count progress in
thousands of real images shown to the discriminator (kimg), as the StyleGAN codebases do.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ganime_gui.core.jobs import UserError


@dataclass(frozen=True)
class ArchSpec:
    title: str           # short, for a narrow menu
    summary: str         # what it is, for the menu's tooltip
    loss: str            # "nonsaturating", "hinge" or "wgan-gp"
    d_norm: str          # "batch", "layer" or "spectral"
    g_lr: float
    d_lr: float
    betas: tuple[float, float]
    n_critic: int = 1
    gp_weight: float = 0.0
    augment: bool = False
    nets: str = "dcgan"        # the networks: "dcgan" (models.py) or "fastgan" (fastgan.py)
    recon_weight: float = 0.0  # D's self-supervised reconstruction loss on reals (fastgan)
    margin_jitter: float = 0.0  # hinge margins drawn from U(1 - jitter, 1) instead of 1 (fastgan)
    cost: float = 1.0          # training time per image relative to diffaug's (presets' rough ETA)
    minibatch_std: bool = False  # D has ProGAN's minibatch-stddev layer (group: GanConfig.minibatch_std)


ARCHITECTURES: dict[str, ArchSpec] = {
    "diffaug": ArchSpec("DiffAugment (default)", "Data-efficient default for a few thousand images: "
                        "DiffAugment, spectral norm, hinge loss, EMA generator",
                        loss="hinge", d_norm="spectral", g_lr=2e-4, d_lr=2e-4, betas=(0.5, 0.999),
                        augment=True, minibatch_std=True),
    "dcgan": ArchSpec("DCGAN (the seed's)", "DCGAN, the seed's first try (it saw mode collapse)",
                      loss="nonsaturating", d_norm="batch",
                      g_lr=2e-4, d_lr=2e-4, betas=(0.5, 0.999)),
    "wgan-gp": ArchSpec("WGAN-GP (the seed's)", "WGAN-GP, the seed's 128×128 model",
                        loss="wgan-gp", d_norm="layer",
                        g_lr=1e-4, d_lr=1e-4, betas=(0.0, 0.9), n_critic=5, gp_weight=10.0),
    "fastgan": ArchSpec("FastGAN", "FastGAN: skip-layer excitation, a self-supervised discriminator, "
                        "DiffAugment, EMA; about 3× the cost per image, and it did not beat the "
                        "default at 64 px on a CPU",
                        loss="hinge", d_norm="spectral", g_lr=2e-4, d_lr=2e-4, betas=(0.5, 0.999),
                        augment=True, nets="fastgan", recon_weight=1.0, margin_jitter=0.2, cost=3.0),
}
DEFAULT_ARCH = "diffaug"


@dataclass
class GanConfig:
    """Everything that defines a run. Saved as ``run.json``; a resumed run reads it back."""
    arch: str = DEFAULT_ARCH
    resolution: int = 64
    latent_dim: int = 128
    base_channels: int = 64       # width of the last G / first D block; doubles per block down to 4×4
    max_channels: int = 512
    batch_size: int = 64
    total_kimg: float = 5000.0    # stop after this many thousand real images (0: run until stopped)
    seed: int = 0
    mirror: bool = True           # random left-right flips of the training images (run.json keeps each run's)
    g_lr: float | None = None     # None: the architecture's value
    d_lr: float | None = None
    ema_kimg: float = 10.0        # EMA generator half-life in kimg
    ema_rampup: float = 0.05      # early on the half-life is at most this fraction of images shown
    minibatch_std: int = 4        # D's minibatch-stddev group size (0: none; runs made before it: 0)
    augment_p: float = 1.0        # DiffAugment strength when fixed (archs with augment=True)
    augment_target: float | None = None  # ADA: adapt p so E[sign(D(real))] stays near this
    augment_speed_kimg: float = 500.0    # ADA: kimg for p to go from 0 to 1
    preview_every_kimg: float = 4.0  # after the early previews (see next_preview_images)
    early_previews: bool = True   # a grid every 0.25 kimg up to 2 kimg, then every 1 kimg up to 10
    preview_grid: tuple[int, int] = (8, 8)  # rows, columns of the fixed-latent sample grid
    checkpoint_every_kimg: float = 50.0
    checkpoint_every_minutes: float = 15.0
    keep_checkpoints: int = 3
    log_every_steps: int = 10
    divergence_limit: float = 1e4  # |loss| above this counts as diverged, like NaN
    preset: str = ""              # the machine preset it started from ("cpu", "gpu"; "" = hand-set)
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.arch not in ARCHITECTURES:
            raise UserError(f"Unknown GAN architecture {self.arch!r}: choose one of "
                            f"{', '.join(ARCHITECTURES)}.")
        self.preview_grid = tuple(self.preview_grid)
        if self.batch_size < 2:
            raise UserError("The GAN batch size must be at least 2.")

    @property
    def spec(self) -> ArchSpec:
        return ARCHITECTURES[self.arch]

    @property
    def generator_lr(self) -> float:
        return self.g_lr if self.g_lr is not None else self.spec.g_lr

    @property
    def discriminator_lr(self) -> float:
        return self.d_lr if self.d_lr is not None else self.spec.d_lr

    @property
    def images_per_step(self) -> int:
        """Real images the discriminator sees per generator step."""
        return self.batch_size * self.spec.n_critic

    def to_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["preview_grid"] = list(self.preview_grid)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "GanConfig":
        known = {f.name for f in dataclasses.fields(cls)}
        d = {"minibatch_std": 0, **d}  # a run saved before the layer existed has none
        return cls(**{k: v for k, v in d.items() if k in known})


# (until kimg, every kimg): early grids come often, so the first minutes show the model starting
# to learn, then they are spaced out to ``preview_every_kimg``.
EARLY_PREVIEWS: tuple[tuple[float, float], ...] = ((2.0, 0.25), (10.0, 1.0))


def next_preview_images(shown: int, config: GanConfig) -> float:
    """The number of images shown at which the next sample grid is due, after ``shown``."""
    late = config.preview_every_kimg * 1000
    if not late:
        return float("inf")
    for until_kimg, every_kimg in (EARLY_PREVIEWS if config.early_previews else ()):
        until, every = until_kimg * 1000, min(every_kimg * 1000, late)
        if shown < until:
            return min((shown // every + 1) * every, until)
    return (shown // late + 1) * late
