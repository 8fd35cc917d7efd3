"""Settings for the machine the app runs on: a CPU preset and a GPU preset, a speed estimate, an ETA.

The GPU preset is the data-efficient default at full width (G 512→256→128→64 channels at 64×64,
batch 64). On a CPU that trains at 4-17 images/s: an ETA of days and a first readable grid after
a quarter of an hour. Halving the width (the convolutions cost about a quarter) and the batch
trains about 4-6× faster on a 2-core CPU and shows standing figures within about ten minutes at
64 px (bench/RESULTS.md, GAN), so that is the CPU preset.

Both use ``diffaug``: at equal time on a CPU ``fastgan`` scored about 3× worse (1.6× at width
16), and was not better per image shown (bench/RESULTS.md, "Architectures at equal time"); on a
GPU it has not been measured.

The speed estimate before a run is the measured speed of an earlier run with the same settings
when the project has one, else a rough model (cost ∝ width² × pixels, calibrated on a 2-core
CPU, times the architecture's ``ArchSpec.cost``: FastGAN's full-resolution 3×3 convs and its
decoders make a step about 3× diffaug's at width 32, batch 32, 64 px); the tab says which.
Once training runs, the measured speed replaces it.
"""
from __future__ import annotations

import dataclasses
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from ganime_gui.core.gan.config import GanConfig
from ganime_gui.core.timefmt import format_duration

LONG_RUN_S = 24 * 3600  # the tab asks before starting a run expected to take longer than this


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    base_channels: int
    batch_size: int
    total_kimg: float
    arch: str = "diffaug"
    latent_dim: int = 128

    def config(self, **overrides) -> GanConfig:
        settings = dict(arch=self.arch, base_channels=self.base_channels, batch_size=self.batch_size,
                        latent_dim=self.latent_dim, total_kimg=self.total_kimg, preset=self.key)
        settings.update(overrides)
        return GanConfig(**settings)


PRESETS: dict[str, Preset] = {
    "cpu": Preset("cpu", "CPU: width 32, batch 32", base_channels=32, batch_size=32, total_kimg=1000),
    "gpu": Preset("gpu", "GPU: width 64, batch 64", base_channels=64, batch_size=64, total_kimg=5000),
}


def matching_preset(config: GanConfig) -> str:
    """The preset whose sizes the config has ("" when hand-set)."""
    return next((key for key, p in PRESETS.items() if (p.base_channels, p.batch_size, p.latent_dim) ==
                 (config.base_channels, config.batch_size, config.latent_dim)), "")


@dataclass(frozen=True)
class PresetChoice:
    preset: Preset
    reason: str


def choose_preset(gpus: Sequence[str], cores: int) -> PresetChoice:
    """The GPU preset when TensorFlow has a GPU to train on, else the CPU preset; with the reason."""
    if gpus:
        n = len(gpus)
        return PresetChoice(PRESETS["gpu"], f"{n} GPU{'s' if n > 1 else ''} found: the full-width networks "
                            f"(width 64, batch 64)" + (", split over the GPUs" if n > 1 else "") + ".")
    return PresetChoice(PRESETS["cpu"], f"No GPU found, so it trains on the CPU ({cores} core"
                        f"{'s' if cores != 1 else ''}): half-width networks and batch 32 train about 5× "
                        f"faster than the GPU settings, show a first grid within a minute and figures "
                        f"within about ten.")


def machine_choice() -> PresetChoice:
    """:func:`choose_preset` for this machine (no TensorFlow import: see ``tfsetup.gpu_names``)."""
    from ganime_gui.core.tfsetup import cpu_count, gpu_names
    return choose_preset(gpu_names(), cpu_count())


# Rough speeds (images/s at width 32, 64×64): a 2-core CPU trains the CPU preset at about 60
# images/s on its own and 35-40 when shared (bench/RESULTS.md); per core, pessimistically, 18.
# A mid-range GPU is taken as 40× a 2-core CPU; it is only a guess until the run measures itself.
_CPU_IMG_S_PER_CORE = 18.0
_GPU_IMG_S = 1500.0


def rough_img_per_s(config: GanConfig, gpus: int, cores: int) -> float:
    spec = config.spec
    cost = (config.base_channels / 32) ** 2 * (config.resolution / 64) ** 2 * spec.n_critic * spec.cost
    base = _GPU_IMG_S * max(1, gpus) if gpus else _CPU_IMG_S_PER_CORE * max(1, cores)
    return base / max(cost, 1e-6)


@dataclass(frozen=True)
class Estimate:
    img_per_s: float
    source: str  # "measured" (an earlier run with these settings) or "rough"

    def seconds(self, config: GanConfig, done_kimg: float = 0.0) -> float | None:
        if not config.total_kimg:
            return None
        return max(0.0, config.total_kimg - done_kimg) * 1000 / self.img_per_s

    def describe(self, config: GanConfig, done_kimg: float = 0.0) -> str:
        seconds = self.seconds(config, done_kimg)
        how = ("measured on an earlier run with these settings" if self.source == "measured" else
               "a rough guess from this machine; the run measures itself after its first steps")
        if seconds is None:
            return f"about {self.img_per_s:.0f} images/s ({how}); runs until stopped"
        return f"about {format_duration(seconds)} at {self.img_per_s:.0f} images/s ({how})"


def estimate_speed(config: GanConfig, gpus: int, cores: int, runs_dir: str | Path | None = None) -> Estimate:
    measured = past_speed(runs_dir, config) if runs_dir else None
    if measured:
        return Estimate(measured, "measured")
    return Estimate(rough_img_per_s(config, gpus, cores), "rough")


_SAME_SPEED = ("arch", "resolution", "base_channels", "max_channels", "batch_size", "latent_dim")


def past_speed(runs_dir: str | Path, config: GanConfig) -> float | None:
    """Median training speed (images/s) logged by earlier runs in ``runs_dir`` with the settings
    that decide the speed, or None."""
    from ganime_gui.core.gan import runs

    root = Path(runs_dir)
    if not root.is_dir():
        return None
    want = {k: getattr(config, k) for k in _SAME_SPEED}
    speeds: list[float] = []
    for run_dir in sorted(root.iterdir()):
        if not runs.is_run_dir(run_dir):
            continue
        try:
            other = dataclasses.asdict(runs.read_run_config(run_dir))
        except Exception:  # noqa: BLE001 - a broken run.json just doesn't count
            continue
        if any(other.get(k) != v for k, v in want.items()):
            continue
        logged = [r["img_per_s"] for r in runs.tail_records(run_dir) if r.get("img_per_s")]
        speeds += logged[-5:]
    return statistics.median(speeds) if speeds else None
