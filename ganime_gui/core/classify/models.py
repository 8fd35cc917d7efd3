"""Classifier models on disk: ``<models>/<name>.keras`` with a ``<name>.json`` sidecar of metadata.

The sidecar holds what the UI lists without loading Keras (label set, class names, input size,
backbone, validation accuracy, date) and the evaluation shown after training.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ganime_gui.core.fsutil import atomic_write, atomic_write_text
from ganime_gui.core.jobs import UserError

MODEL_SUFFIX = ".keras"
META_SUFFIX = ".json"
_NAME_RE = re.compile(r"^[\w][\w .()+-]{0,99}$")


@dataclass
class ModelInfo:
    name: str
    path: Path
    meta: dict[str, Any]

    @property
    def class_names(self) -> list[str]:
        return list(self.meta.get("class_names", []))

    @property
    def input_size(self) -> int:
        return int(self.meta.get("input_size", 0))

    @property
    def label_set(self) -> str:
        return str(self.meta.get("label_set", ""))

    @property
    def val_accuracy(self) -> float | None:
        v = self.meta.get("val_accuracy")
        return None if v is None else float(v)

    @property
    def balanced_accuracy(self) -> float | None:
        from ganime_gui.core.classify.evaluation import metrics_from_confusion

        ev = self.meta.get("evaluation") or {}
        if not ev.get("confusion") or not ev.get("class_names"):
            return None
        return metrics_from_confusion(ev["confusion"], ev["class_names"])["balanced_accuracy"]

    def summary(self) -> str:
        acc = f"{self.val_accuracy:.1%}" if self.val_accuracy is not None else "n/a"
        bal = self.balanced_accuracy
        return (f"{self.name}: {self.meta.get('backbone', '?')} {self.input_size}px, "
                f"{'/'.join(self.class_names)}, val acc {acc}"
                + (f" (balanced {bal:.1%})" if bal is not None else "")
                + f", {self.meta.get('created', '')[:16]}")


def check_model_name(name: str) -> str:
    name = name.strip()
    if name.endswith(MODEL_SUFFIX):
        name = name[: -len(MODEL_SUFFIX)]
    if not _NAME_RE.match(name):
        raise UserError(f"'{name}' cannot be a model name: use letters, digits, spaces, '.', '-', '_', "
                        "'(', ')', '+' (at most 100 characters).")
    return name


def default_model_name(label_set: str, backbone: str) -> str:
    import datetime

    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    return check_model_name(f"{label_set or 'classifier'}-{backbone}-{stamp}")


def model_path(models_dir: str | os.PathLike, name: str) -> Path:
    return Path(models_dir) / f"{check_model_name(name)}{MODEL_SUFFIX}"


def write_metadata(path: str | os.PathLike, meta: dict[str, Any]) -> None:
    atomic_write_text(Path(path).with_suffix(META_SUFFIX), json.dumps(meta, indent=1, default=_json_default))


def _json_default(o):
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o).__name__)


def read_model_info(path: str | os.PathLike) -> ModelInfo:
    path = Path(path)
    side = path.with_suffix(META_SUFFIX)
    try:
        meta = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        meta = {}  # a .keras file copied in by hand: listed, but with no metadata
    return ModelInfo(name=path.stem, path=path, meta=meta)


def list_models(models_dir: str | os.PathLike) -> list[ModelInfo]:
    """Models in the folder, newest first (not the temporary files of a save under way)."""
    d = Path(models_dir)
    if not d.is_dir():
        return []
    infos = [read_model_info(p) for p in d.glob(f"*{MODEL_SUFFIX}")
             if p.is_file() and not p.name.startswith(".")]
    return sorted(infos, key=lambda i: (i.meta.get("created", ""), i.name), reverse=True)


def find_model(models_dir: str | os.PathLike, name_or_path: str | os.PathLike) -> ModelInfo:
    p = Path(name_or_path)
    if p.suffix == MODEL_SUFFIX and p.is_file():
        return read_model_info(p)
    candidate = model_path(models_dir, str(name_or_path))
    if not candidate.is_file():
        names = ", ".join(i.name for i in list_models(models_dir)) or "none yet"
        raise UserError(f"No model named '{name_or_path}' in {models_dir} (models: {names}).")
    return read_model_info(candidate)


def import_model(models_dir: str | os.PathLike, source: str | os.PathLike) -> ModelInfo:
    """A model file from elsewhere (another project, a download) copied into ``models_dir`` with its sidecar.

    Refuses, as a :class:`UserError`, a file that is not a ``.keras`` model, one without its
    ``.json`` sidecar (its classes and input size would be unknown) and a different model under a
    name already taken here. The same model already here is simply used.
    """
    src = Path(source)
    if not src.is_file():
        raise UserError(f"There is no model file at {src}. Give a model name from this project's models/ "
                        f"folder or the path of a {MODEL_SUFFIX} file.")
    if src.suffix != MODEL_SUFFIX:
        raise UserError(f"{src.name} is not a model saved by this app (a {MODEL_SUFFIX} file with a "
                        f"{META_SUFFIX} beside it). Train a model in the Train tab or with "
                        "ganime train-classifier.")
    side = src.with_suffix(META_SUFFIX)
    info = read_model_info(src)
    if not side.is_file() or not info.class_names or not info.input_size:
        raise UserError(f"The model {src.name} has no readable {side.name} beside it, so its classes and "
                        f"input size are unknown. Copy {side.name} next to it (it was saved with the model) "
                        "and try again.")
    target = model_path(models_dir, src.stem)
    if target.exists():
        if _same_file(src, target):
            return read_model_info(target)
        raise UserError(f"This project already has a different model named '{target.stem}'. Rename one "
                        f"of the two (copy {src.name} under another name, with its {side.name}) and "
                        "try again.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(src, "rb") as fin, atomic_write(target) as fout:
        shutil.copyfileobj(fin, fout)
    write_metadata(target, dict(info.meta, name=target.stem, imported_from=str(src.resolve())))
    return read_model_info(target)


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    from ganime_gui.core.images import file_md5

    return a.stat().st_size == b.stat().st_size and file_md5(a) == file_md5(b)


def rename_model(models_dir: str | os.PathLike, old: str, new: str) -> ModelInfo:
    info = find_model(models_dir, old)
    target = model_path(models_dir, new)
    if target.exists():
        raise UserError(f"A model named '{target.stem}' already exists; choose another name.")
    os.replace(info.path, target)
    side = info.path.with_suffix(META_SUFFIX)
    if side.exists():
        meta = dict(info.meta, name=target.stem)
        write_metadata(target, meta)
        side.unlink()
    return read_model_info(target)


def delete_model(models_dir: str | os.PathLike, name: str) -> None:
    info = find_model(models_dir, name)
    info.path.unlink(missing_ok=True)
    info.path.with_suffix(META_SUFFIX).unlink(missing_ok=True)


def load_keras_model(path: str | os.PathLike):
    """Load a classifier saved by this app (its preprocessing layer registered)."""
    from ganime_gui.core.classify.backbones import custom_objects, import_keras

    _, keras = import_keras()
    try:
        return keras.models.load_model(os.fspath(path), custom_objects=custom_objects(), compile=False)
    except Exception as e:  # a damaged zip, a foreign file, a Keras version clash: many types
        raise UserError(f"Could not load the model {Path(path).name} ({type(e).__name__}: {str(e)[:200]}). "
                        "It may be damaged or from another program; train it again.") from e
