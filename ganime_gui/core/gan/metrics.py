"""Scores of a generator: SWD always (no network, ``swd.py``), KID and FID from 2048-d Inception
pool features when a feature network is there.

KID (Bińkowski et al. 2018) is the primary number: an unbiased MMD estimate with the cubic
polynomial kernel, so it does not drift with the sample count the way FID does (FID is biased
upwards for small samples). Both are labelled with the feature network and sample counts:

* ``InceptionGraphFeatures``: the 2015-12-05 Inception graph file (``classify_image_graph_def.pb``)
  that TTUR and pytorch-fid use. Numbers are comparable with the seed's (FID 136.05 / 73.46).
* ``KerasInceptionFeatures``: Keras's ImageNet InceptionV3 (downloaded once, or a local weights
  file). Different weights: its numbers compare runs of this app with each other, nothing else.

Images are resized to 299×299 with Pillow's bicubic filter, which antialiases when it shrinks
(clean-fid, Parmar et al. 2022, shows aliased resizing moves FID).
"""
from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

from ganime_gui.core.gan.dataset import as_unit_float, to_uint8
from ganime_gui.core.jobs import (CancelledFn, ProgressFn, UserError, check_cancelled,
                                  never_cancelled, no_progress)

INCEPTION_SIZE = 299


# -- the math ---------------------------------------------------------------------------------------
def kernel_inception_distance(real: np.ndarray, fake: np.ndarray, num_subsets: int = 100,
                              max_subset_size: int = 1000, seed: int = 0) -> tuple[float, float]:
    """Unbiased squared MMD with k(x, y) = (x·y / d + 1)³, averaged over random subsets: (mean, std)."""
    real, fake = np.asarray(real, np.float64), np.asarray(fake, np.float64)
    d = real.shape[1]
    m = min(len(real), len(fake), max_subset_size)
    if m < 2:
        raise UserError("KID needs at least 2 real and 2 generated images.")
    rng = np.random.default_rng(seed)
    values = np.empty(num_subsets)
    for i in range(num_subsets):
        x = fake[rng.choice(len(fake), m, replace=False)]
        y = real[rng.choice(len(real), m, replace=False)]
        kxx = (x @ x.T / d + 1) ** 3
        kyy = (y @ y.T / d + 1) ** 3
        kxy = (x @ y.T / d + 1) ** 3
        within = (kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1))
        values[i] = within - 2 * kxy.sum() / (m * m)
    return float(values.mean()), float(values.std())


def feature_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    features = np.asarray(features, np.float64)
    return features.mean(axis=0), np.cov(features, rowvar=False)


def frechet_distance(mu1, sigma1, mu2, sigma2, eps: float = 1e-6) -> float:
    """||mu1 - mu2||² + Tr(S1 + S2 - 2 (S1 S2)^½), as pytorch-fid computes it."""
    from scipy import linalg

    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    sigma1, sigma2 = np.atleast_2d(sigma1), np.atleast_2d(sigma2)
    diff = mu1 - mu2
    with warnings.catch_warnings():  # few samples give singular covariances: handled just below
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        covmean = linalg.sqrtm(sigma1 @ sigma2)
    if not np.isfinite(covmean).all():  # singular product: nudge the diagonals
        offset = np.eye(sigma1.shape[0]) * eps
        covmean = linalg.sqrtm((sigma1 + offset) @ (sigma2 + offset))
    if np.iscomplexobj(covmean):
        covmean = covmean.real  # round-off leaves tiny imaginary parts
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean))


def frechet_inception_distance(real: np.ndarray, fake: np.ndarray) -> float:
    return frechet_distance(*feature_statistics(real), *feature_statistics(fake))


# -- feature networks -------------------------------------------------------------------------------
def resize_for_inception(images: np.ndarray, size: int = INCEPTION_SIZE) -> np.ndarray:
    """(N, H, W, 3) uint8 or [-1, 1] floats -> (N, size, size, 3) float32 pixels in [0, 255]."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        images = to_uint8(images)
    out = np.empty((len(images), size, size, 3), np.float32)
    for i, img in enumerate(images):
        pil = Image.fromarray(img)
        if pil.size != (size, size):
            pil = pil.resize((size, size), Image.Resampling.BICUBIC)
        out[i] = np.asarray(pil, np.float32)
    return out


class FeatureExtractor:
    """Turns images into feature vectors. ``name`` and ``comparable_with`` label every result."""
    name = "features"
    comparable_with = "runs of this app that use the same feature network"
    batch_size = 32

    def pixels_to_features(self, pixels: np.ndarray) -> np.ndarray:
        """(N, 299, 299, 3) float pixels in [0, 255] -> (N, D) features."""
        raise NotImplementedError

    def __call__(self, images: np.ndarray) -> np.ndarray:
        feats = [self.pixels_to_features(resize_for_inception(images[i:i + self.batch_size]))
                 for i in range(0, len(images), self.batch_size)]
        return np.concatenate(feats).astype(np.float64)


class CallableFeatures(FeatureExtractor):
    """Any function of pixels in [0, 255] as a feature network (tests, experiments)."""

    def __init__(self, fn: Callable[[np.ndarray], np.ndarray], name: str, size: int = INCEPTION_SIZE):
        self.fn, self.name, self.size = fn, name, size

    def __call__(self, images: np.ndarray) -> np.ndarray:
        return np.asarray(self.fn(resize_for_inception(images, self.size)), np.float64)


class KerasInceptionFeatures(FeatureExtractor):
    """Keras InceptionV3 average pool (2048-d). ``weights``: "imagenet", a weights file, or None."""
    comparable_with = ("other runs of this app scored with Keras's InceptionV3 "
                       "(not the seed's pytorch-fid numbers)")

    def __init__(self, weights: str | Path | None = "imagenet"):
        from ganime_gui.core.tfsetup import import_tensorflow
        import_tensorflow()
        import keras

        self.name = "Keras InceptionV3 (ImageNet)" if weights == "imagenet" else (
            f"Keras InceptionV3 ({Path(weights).name})" if weights else "Keras InceptionV3 (untrained)")
        if weights not in ("imagenet", None) and not Path(weights).is_file():
            raise UserError(f"The InceptionV3 weights file {weights} does not exist.")
        try:
            self.model = keras.applications.InceptionV3(
                include_top=False, pooling="avg", input_shape=(INCEPTION_SIZE, INCEPTION_SIZE, 3),
                weights=str(weights) if weights not in ("imagenet", None) else weights)
        except Exception as exc:  # Keras raises a bare Exception ("URL fetch failure") offline
            raise UserError("Could not get the InceptionV3 ImageNet weights (about 90 MB, downloaded "
                            "once into ~/.keras/models): this computer seems to be offline. Point the "
                            "metrics to a weights file or to the 2015-12-05 Inception graph instead."
                            ) from exc

    def pixels_to_features(self, pixels):
        return np.asarray(self.model(pixels / 127.5 - 1.0, training=False))


class InceptionGraphFeatures(FeatureExtractor):
    """The 2015-12-05 Inception graph (TTUR / pytorch-fid's network): ``pool_3`` features.

    The graph takes one image at a time at ``ExpandDims:0`` (pixels 0-255, it resizes to 299
    itself, which is a no-op after our antialiased resize) and returns ``pool_3:0``.
    """
    name = "Inception 2015-12-05 graph (pytorch-fid / TTUR)"
    comparable_with = "pytorch-fid and TTUR numbers, including the seed's FID at 64×64"
    batch_size = 16

    def __init__(self, graph_path: str | Path):
        from ganime_gui.core.tfsetup import import_tensorflow
        tf = self.tf = import_tensorflow()
        graph_path = Path(graph_path)
        if not graph_path.is_file():
            raise UserError(f"The Inception graph file {graph_path} does not exist. It is "
                            f"classify_image_graph_def.pb from inception-2015-12-05.tgz.")
        graph_def = tf.compat.v1.GraphDef()
        try:
            graph_def.ParseFromString(graph_path.read_bytes())
            wrapped = tf.compat.v1.wrap_function(
                lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
            self.fn = wrapped.prune("ExpandDims:0", "pool_3:0")
        except Exception as exc:
            raise UserError(f"{graph_path.name} is not the 2015-12-05 Inception graph "
                            f"(classify_image_graph_def.pb): {exc}") from exc

    def pixels_to_features(self, pixels):
        return np.stack([np.asarray(self.fn(self.tf.constant(p[None]))).reshape(-1) for p in pixels])


def make_extractor(kind: str, path: str | Path | None = None) -> FeatureExtractor | None:
    """``kind``: "swd" (no network: SWD only, None), "keras-imagenet", "keras-weights" (a weights
    file) or "inception-graph" (a .pb)."""
    if kind == "swd":
        return None
    if kind == "keras-imagenet":
        return KerasInceptionFeatures("imagenet")
    if kind == "keras-weights":
        return KerasInceptionFeatures(path)
    if kind == "inception-graph":
        return InceptionGraphFeatures(path)
    raise UserError(f"Unknown feature network {kind!r}.")


# -- scoring a generator ----------------------------------------------------------------------------
@dataclass(frozen=True)
class MetricResult:
    """One scoring of a generator. SWD is always there; KID/FID only with a feature network."""
    real_samples: int
    fake_samples: int
    kimg: float | None = None
    swd: float | None = None             # ×10³ (Karras et al. 2018's unit)
    swd_levels: tuple[float, ...] = ()
    swd_label: str = ""
    kid: float | None = None
    kid_std: float | None = None
    fid: float | None = None
    network: str | None = None
    comparable_with: str = ""
    note: str = ""                       # e.g. why KID/FID are missing

    def label(self) -> str:
        parts = [self.swd_label] if self.swd is not None else []
        if self.kid is not None:
            parts.append(f"KID {self.kid * 1e3:.2f} ± {self.kid_std * 1e3:.2f} ×10⁻³, FID {self.fid:.2f} "
                         f"({self.network}; {self.fake_samples} generated vs {self.real_samples} real)")
        return "; ".join(parts + ([self.note] if self.note else []))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["swd_levels"] = list(self.swd_levels)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "MetricResult":
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in d.items() if k in known}
        values["swd_levels"] = tuple(values.get("swd_levels", ()))
        return cls(**values)


def score_images(real: np.ndarray, fake: np.ndarray, extractor: FeatureExtractor | None,
                 kimg: float | None = None, kid_subset_size: int = 1000,
                 swd_patches: int = 64) -> MetricResult:
    """SWD, and KID and FID with an ``extractor``, between two image sets (uint8 or [-1, 1] floats)."""
    from ganime_gui.core.gan.swd import swd

    s = swd(real, fake, patches_per_image=swd_patches)
    result = MetricResult(len(real), len(fake), kimg, s.swd, s.levels, s.label())
    if extractor is None:
        return result
    kid = score_features(extractor(real), extractor(fake), extractor, kimg, kid_subset_size)
    return dataclasses.replace(kid, swd=s.swd, swd_levels=s.levels, swd_label=s.label())


def score_features(real_f: np.ndarray, fake_f: np.ndarray, extractor: FeatureExtractor,
                   kimg: float | None = None, kid_subset_size: int = 1000) -> MetricResult:
    kid, kid_std = kernel_inception_distance(real_f, fake_f, max_subset_size=kid_subset_size)
    fid = frechet_inception_distance(real_f, fake_f) if min(len(real_f), len(fake_f)) > 1 else math.nan
    return MetricResult(len(real_f), len(fake_f), kimg, kid=kid, kid_std=kid_std, fid=fid,
                        network=extractor.name, comparable_with=extractor.comparable_with)


@dataclass(frozen=True)
class MetricsPlan:
    """Score the EMA generator during training: every ``every_kimg``, with ``samples`` images.
    ``extractor_factory`` returns the KID/FID network, or None for SWD only."""
    extractor_factory: Callable[[], FeatureExtractor | None]
    every_kimg: float
    samples: int = 2000


def swd_only() -> None:
    """An ``extractor_factory`` for SWD alone (no network: offline, quick)."""
    return None


class GeneratorScorer:
    """Scores of a generator against a prepared set. The real side is drawn (and its Inception
    features computed) once; the generated side always uses the same latents, so scores over kimg
    compare. A feature network that cannot load leaves SWD, with a note saying why."""

    def __init__(self, extractor_factory: Callable[[], FeatureExtractor | None], data: np.ndarray,
                 num_samples: int, seed: int = 123, chunk: int = 250):
        self.data, self.chunk, self.seed = data, chunk, seed
        self.n = min(num_samples, len(data)) if num_samples else len(data)
        self.note = ""
        try:
            self.extractor = extractor_factory()
        except UserError as exc:  # e.g. offline: no ImageNet weights. SWD needs none.
            self.extractor = None
            self.note = f"KID/FID off: {exc}"
        self._real: np.ndarray | None = None
        self._real_f: np.ndarray | None = None

    def _generated(self, generate, latent_dim: int, progress: ProgressFn,
                   cancelled: CancelledFn) -> np.ndarray:
        latents = np.random.default_rng([self.seed, 1]).standard_normal(
            (self.n, latent_dim)).astype(np.float32)
        out = []
        for start in range(0, self.n, self.chunk):
            check_cancelled(cancelled)
            out.append(generate(latents[start:start + self.chunk]))
            progress(start + len(out[-1]), self.n, "Generating images to score")
        return np.concatenate(out)

    def _features(self, images: np.ndarray, what: str, progress: ProgressFn,
                  cancelled: CancelledFn) -> np.ndarray:
        out = []
        for start in range(0, len(images), self.chunk):
            check_cancelled(cancelled)
            out.append(self.extractor(images[start:start + self.chunk]))
            progress(start + len(out[-1]), len(images), f"Inception features of the {what}")
        return np.concatenate(out)

    def score(self, generate: Callable[[np.ndarray], np.ndarray], latent_dim: int, kimg: float | None = None,
              progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled) -> MetricResult:
        """``generate(latents) -> images in [-1, 1]``."""
        from ganime_gui.core.gan.swd import swd

        if self._real is None:
            picks = np.sort(np.random.default_rng(self.seed).choice(len(self.data), self.n, replace=False))
            self._real = as_unit_float(self.data[picks])
        fake = self._generated(generate, latent_dim, progress, cancelled)
        progress(0, 0, "SWD of the generated images")
        s = swd(self._real, fake)
        result = MetricResult(self.n, self.n, kimg, s.swd, s.levels, s.label(), note=self.note)
        if self.extractor is None:
            return result
        if self._real_f is None:
            self._real_f = self._features(self._real, "real images", progress, cancelled)
        kid = score_features(self._real_f, self._features(fake, "generated images", progress, cancelled),
                             self.extractor, kimg)
        return dataclasses.replace(kid, swd=s.swd, swd_levels=s.levels, swd_label=s.label())


def make_metrics_job(run_dir: str | Path, extractor_factory: Callable[[], FeatureExtractor | None] = swd_only,
                     num_samples: int = 5000, checkpoint: str | Path | None = None):
    """A core job scoring a run's checkpoint (latest by default) against its training set.

    The result goes to the run log as a ``metric`` record, so a curve over kimg builds up as it
    is run at different checkpoints (and the GUI shows it when the run is opened again).
    """
    def job(progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled) -> MetricResult:
        from ganime_gui.core.gan import runs
        from ganime_gui.core.gan.checkpoints import load_generator
        from ganime_gui.core.gan.dataset import load_array

        progress(0, 0, "Loading the generator…")
        trainer = load_generator(run_dir, checkpoint)
        data = load_array(runs.read_run_info(run_dir)["data"])
        scorer = GeneratorScorer(extractor_factory, data, num_samples)
        result = scorer.score(trainer.generate, trainer.config.latent_dim, trainer.kimg, progress, cancelled)
        runs.RunLog(run_dir).write(event="metric", step=trainer.step, **result.to_dict())
        progress(scorer.n, scorer.n, result.label(), metric=result.to_dict())
        return result

    return job
