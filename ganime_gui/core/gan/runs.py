"""A GAN run folder: what is in it and how to read it back (no TensorFlow, so the GUI can browse).

    RUN/
      run.json                 the GanConfig and the prepared set it trained on
      reals.png                a grid of training images
      fakes-000000000.png ...  sample grids from the fixed latents (EMA generator), named by the
                               number of real images shown (so grids 250 images apart never collide)
      log.jsonl                one JSON object a line: losses, speed, events, metrics
      checkpoints/ckpt-<step>/ tf.train.Checkpoint files + state.json, the last few kept
"""
from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
from PIL import Image

from ganime_gui.core.fsutil import atomic_write_text
from ganime_gui.core.gan.config import GanConfig
from ganime_gui.core.gan.dataset import to_uint8
from ganime_gui.core.jobs import UserError

RUN_CONFIG = "run.json"
LOG_NAME = "log.jsonl"
REALS_NAME = "reals.png"
CHECKPOINTS_DIR = "checkpoints"
CHECKPOINT_PREFIX = "ckpt"  # the tf.train.Checkpoint prefix inside each checkpoint folder
_FAKES_RE = re.compile(r"^fakes(-?)(\d{6,})\.png$")  # "fakes-<images>" now; "fakes<kimg>" before
_CKPT_RE = re.compile(r"^ckpt-(\d+)$")


def fakes_path(run_dir: str | Path, images_shown: int) -> Path:
    """``fakes-000120250.png`` after 120 250 real images (StyleGAN names by whole kimg, which
    makes previews closer than 1 kimg overwrite each other)."""
    return Path(run_dir) / f"fakes-{int(images_shown):09d}.png"


def list_fake_grids(run_dir: str | Path) -> list[tuple[float, Path]]:
    """(kimg, path) of every sample grid in the run folder, oldest first (older runs' by-kimg
    names are read too)."""
    found = []
    for path in Path(run_dir).glob("fakes*.png"):
        m = _FAKES_RE.match(path.name)
        if m:
            found.append((int(m.group(2)) / (1000.0 if m.group(1) else 1.0), path))
    return sorted(found)


def list_checkpoints(run_dir: str | Path) -> list[Path]:
    """Complete checkpoint folders (the rename that finishes a write makes them visible), oldest first."""
    root = Path(run_dir) / CHECKPOINTS_DIR
    if not root.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in root.iterdir()
             if (m := _CKPT_RE.match(p.name)) and (p / "state.json").is_file()]
    return [p for _, p in sorted(found)]


def latest_checkpoint(run_dir: str | Path) -> Path | None:
    ckpts = list_checkpoints(run_dir)
    return ckpts[-1] if ckpts else None


def checkpoint_state(checkpoint_dir: str | Path) -> dict:
    return json.loads((Path(checkpoint_dir) / "state.json").read_text())


def is_run_dir(path: str | Path) -> bool:
    return (Path(path) / RUN_CONFIG).is_file()


def read_run_info(run_dir: str | Path) -> dict:
    path = Path(run_dir) / RUN_CONFIG
    if not path.is_file():
        raise UserError(f"{run_dir} is not a GAN run folder (it has no {RUN_CONFIG}).")
    return json.loads(path.read_text())


def read_run_config(run_dir: str | Path) -> GanConfig:
    return GanConfig.from_dict(read_run_info(run_dir)["config"])


def write_run_info(run_dir: str | Path, config: GanConfig, data_path: str | Path) -> None:
    info = {"config": config.to_dict(), "data": str(Path(data_path).resolve()),
            "updated": time.time()}
    atomic_write_text(Path(run_dir) / RUN_CONFIG, json.dumps(info, indent=1))


class RunLog:
    """Appends JSON lines to ``log.jsonl``; each line is flushed so a reader sees it at once."""

    def __init__(self, run_dir: str | Path):
        self.path = Path(run_dir) / LOG_NAME

    def write(self, **record) -> None:
        record.setdefault("time", time.time())
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, allow_nan=True) + "\n")


def read_log(run_dir: str | Path) -> list[dict]:
    """The run's log records, with history a resume rewound dropped.

    After a crash the log may hold steps past the checkpoint it resumed from; a ``resume`` event
    at step s drops earlier step records with a step above s, so curves show one timeline.
    """
    path = Path(run_dir) / LOG_NAME
    if not path.is_file():
        return []
    records: list[dict] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rec = json.loads(line)
        except ValueError:  # a line cut short by a kill
            continue
        if rec.get("event") == "resume":
            records = [r for r in records if r.get("step", -1) <= rec.get("step", 0)]
        records.append(rec)
    return records


def tail_records(run_dir: str | Path, nbytes: int = 16384) -> list[dict]:
    """The log records in the last ``nbytes`` of the run's log (quick on a long log)."""
    path = Path(run_dir) / LOG_NAME
    if not path.is_file():
        return []
    size = path.stat().st_size
    with open(path, "rb") as fh:
        fh.seek(max(0, size - nbytes))
        lines = fh.read().decode("utf-8", "replace").splitlines()
    if size > nbytes:
        lines = lines[1:]  # the first one is cut
    out = []
    for line in lines:
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def image_grid(images: np.ndarray, rows: int, cols: int) -> Image.Image:
    """Tile (N, H, W, 3) images (uint8, or floats in [-1, 1]) into a rows×cols grid, row-major."""
    images = np.asarray(images)
    if images.dtype != np.uint8:
        images = to_uint8(images)
    n, h, w, c = images.shape
    canvas = np.full((rows * h, cols * w, c), 255, np.uint8)
    for i in range(min(n, rows * cols)):
        r, col = divmod(i, cols)
        canvas[r * h:(r + 1) * h, col * w:(col + 1) * w] = images[i]
    return Image.fromarray(canvas)


def save_png_atomic(image: Image.Image, path: str | Path) -> Path:
    """Save a PNG so a reader polling the folder never sees half of it."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    image.save(tmp, format="PNG")
    tmp.replace(path)
    return path


# -- where runs live, their catalog records, and what their logs say --------------------------------
def new_run_dir(runs_dir: str | Path, config: GanConfig) -> Path:
    """``gan-<date>-<time>-<arch>-<res>`` under the project's (or a folder's) runs directory."""
    return Path(runs_dir) / f"gan-{time.strftime('%Y%m%d-%H%M%S')}-{config.arch}-{config.resolution}"


def latest_run_dir(runs_dir: str | Path | None) -> Path | None:
    """The run folder trained last (by its log's, else its run.json's, modification time)."""
    if runs_dir is None or not Path(runs_dir).is_dir():
        return None

    def touched(run_dir: Path) -> float:
        log = run_dir / LOG_NAME
        return (log if log.is_file() else run_dir / RUN_CONFIG).stat().st_mtime

    found = [p for p in Path(runs_dir).iterdir() if is_run_dir(p)]
    return max(found, key=touched) if found else None


def register_run(catalog, project, run_dir: Path, config: GanConfig) -> int | None:
    """Record a new run in the project's catalog (None when there is no catalog or it fails:
    the run itself matters more than its record)."""
    import logging

    if catalog is None:
        return None
    try:
        inside = project is not None and run_dir.resolve().is_relative_to(project.root.resolve())
        return catalog.add_run("gan", run_dir.name, project.relpath(run_dir) if inside else str(run_dir),
                               config.to_dict())
    except Exception:  # noqa: BLE001
        logging.getLogger("ganime.gan").exception("could not record the GAN run in the catalog")
        return None


def close_run_record(catalog, run_id: int | None, state: str, kimg: float | None) -> None:
    import logging

    if run_id is None or catalog is None:
        return
    try:
        catalog.update_run(run_id, state, {"kimg": kimg})
    except Exception:  # noqa: BLE001
        logging.getLogger("ganime.gan").exception("could not update the GAN run in the catalog")


class RunSummary:
    """What a run's log says, for a viewer: loss curves, scores and how it last ended."""

    def __init__(self, run_dir: str | Path):
        self.run_dir = Path(run_dir)
        self.config = read_run_config(run_dir)
        records = read_log(run_dir)
        self.steps = [r for r in records if "d_loss" in r]
        self.metrics = [r for r in records if r.get("event") == "metric"]
        ended = [r for r in records if r.get("event") in ("finished", "stopped", "diverged", "paused")]
        self.ended = ended[-1] if ended else None
        self.checkpoint = latest_checkpoint(run_dir)

    def series(self, key: str, scale: float = 1.0, records: list[dict] | None = None):
        chosen = [r for r in (self.steps if records is None else records) if r.get(key) is not None]
        return [r["kimg"] for r in chosen], [r[key] * scale for r in chosen]

    def describe(self) -> str:
        c = self.config
        text = f"Opened {self.run_dir.name} ({c.arch}, {c.resolution}×{c.resolution})"
        if self.ended:
            text += f"; it {self.ended['event']} at {self.ended.get('kimg', 0):.1f} kimg"
        return text
