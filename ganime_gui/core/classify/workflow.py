"""Classifier jobs on a project: labels from the catalog in, a model and predictions back into it.

The Train tab and the headless commands (``ganime train-classifier``, ``ganime classify``) both run
these, so what the window does and what a server does are the same code. Each job opens its own
catalog connection in the thread it runs in.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from ganime_gui.core.catalog import Catalog
from ganime_gui.core.classify import models as model_files
from ganime_gui.core.classify.apply import ApplyResult, apply_classifier
from ganime_gui.core.classify.train import TrainConfig, TrainResult, train_classifier
from ganime_gui.core.jobs import Job, JobCancelled, ProgressFn, UserError
from ganime_gui.core.project import Project


def labelled_items(project: Project, catalog: Catalog,
                   label_set: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(absolute path, label) pairs of a label set, and the classes that have labels, in set order."""
    ls = catalog.label_set(label_set)
    if ls is None:
        raise UserError(f"There is no label set named “{label_set}”.")
    counts = catalog.label_counts(label_set)
    classes = [c for c in ls.classes if counts.get(c, 0) > 0]
    if len(classes) < 2:
        raise UserError(f"Label images of at least two classes of “{label_set}” first "
                        f"(labelled now: {', '.join(f'{c}: {n}' for c, n in counts.items())}).")
    items = [(str(project.abspath(rel)), label) for rel, label in catalog.labelled_paths(label_set)
             if label in classes]
    return items, classes


@contextlib.contextmanager
def recorded_run(catalog: Catalog, kind: str, name: str, path: str | None,
                 config: dict[str, Any]) -> Iterator[int]:
    """A run row for the work inside: marked stopped or failed (with the error) if it raises."""
    run_id = catalog.add_run(kind, name, path, config)
    try:
        yield run_id
    except JobCancelled:
        catalog.update_run(run_id, "stopped")
        raise
    except BaseException as exc:
        catalog.update_run(run_id, "failed", {"error": str(exc)[:500]})
        raise


def make_project_train_job(project: Project, label_set: str, config: TrainConfig,
                           model_name: str | None = None) -> Job:
    """Train on the catalog's labels of ``label_set``; register the model; record the run."""
    def job(progress: ProgressFn, cancelled: Callable[[], bool]) -> TrainResult:
        with project.open_catalog() as catalog:
            items, classes = labelled_items(project, catalog, label_set)
            name = model_name or model_files.default_model_name(label_set, config.backbone)
            with recorded_run(catalog, "classifier", name, f"models/{name}{model_files.MODEL_SUFFIX}",
                              {"label_set": label_set, **vars(config)}) as run_id:
                result = train_classifier(items, config, models_dir=project.models_dir,
                                          cache_dir=project.cache_dir,
                                          label_set=label_set, model_name=name, class_names=classes,
                                          progress=progress, cancelled=cancelled)
                register(project, catalog, model_files.read_model_info(result.model_path))
            catalog.update_run(run_id, "stopped" if result.stopped else "done",
                               {"val_accuracy": result.metadata["val_accuracy"],
                                "balanced_accuracy": result.metadata["balanced_accuracy"],
                                "epochs": len(result.history), "skipped": len(result.skipped)})
            return result
    return job


def make_project_reasons_job(project: Project, label_set: str, config: TrainConfig, *,
                             clean_class: str = "clean",
                             name_prefix: str | None = None) -> Job:
    """One-vs-rest classifiers for every reject reason of ``label_set`` and the combined clean verdict
    (:mod:`.reasons`); each classifier is registered like any model, the whole recorded as one run."""
    from ganime_gui.core.classify.reasons import train_one_vs_rest

    def job(progress: ProgressFn, cancelled: Callable[[], bool]):
        with project.open_catalog() as catalog:
            items, classes = labelled_items(project, catalog, label_set)
            if clean_class not in classes:
                raise UserError(f"The label set “{label_set}” has no labelled “{clean_class}” images "
                                f"(no reason applies). Add that class to the set and label clean images "
                                f"too, or name the class that means clean.")
            prefix = name_prefix or model_files.default_model_name(label_set, config.backbone)
            with recorded_run(catalog, "classifier", prefix, None,
                              {"label_set": label_set, "one_vs_rest": True, **vars(config)}) as run_id:
                result = train_one_vs_rest(items, config, models_dir=project.models_dir,
                                           cache_dir=project.cache_dir, label_set=label_set,
                                           clean_class=clean_class,
                                           name_prefix=prefix, progress=progress, cancelled=cancelled)
                for trained in result.models.values():
                    register(project, catalog, model_files.read_model_info(trained.model_path))
            catalog.update_run(run_id, "done", {"reasons": list(result.models), "holdout": result.holdout})
            return result
    return job


def register(project: Project, catalog: Catalog, info: model_files.ModelInfo) -> int:
    """The catalog id of a model in ``models/`` (registering it if it came from elsewhere)."""
    record = catalog.model_record(info.name)
    if record is not None:
        return record.id
    if not info.class_names:
        raise UserError(f"The model {info.name} has no metadata (its .json is missing): its classes are "
                        "unknown.")
    return catalog.register_model(info.name, project.relpath(info.path), info.label_set, info.class_names,
                                  info.meta.get("backbone", "?"), info.input_size, info.val_accuracy,
                                  {"created": info.meta.get("created")})


def project_model(project: Project, name_or_path: str) -> model_files.ModelInfo:
    """A model of the project by name, or a ``.keras`` file from elsewhere copied in with its sidecar."""
    path = Path(name_or_path).expanduser()
    looks_like_path = path.suffix == model_files.MODEL_SUFFIX or len(path.parts) > 1
    if not looks_like_path:
        return model_files.find_model(project.models_dir, name_or_path)
    if path.is_file() and path.resolve().parent == Path(project.models_dir).resolve():
        return model_files.read_model_info(path)
    return model_files.import_model(project.models_dir, path)


def last_model(project: Project, catalog: Catalog) -> model_files.ModelInfo | None:
    """The model the project's latest finished classifier training made, else the newest in ``models/``."""
    for run in catalog.runs("classifier"):
        if run.state in ("done", "stopped") and run.path:
            path = project.abspath(run.path)
            if path.is_file():
                return model_files.read_model_info(path)
    models = model_files.list_models(project.models_dir)
    return models[0] if models else None


@dataclass
class Scores:
    """A model's stored predictions joined with the files they are about."""

    paths: list[str]  # absolute
    probabilities: np.ndarray  # (len(paths), len(class_names)) float32
    class_names: list[str]

    def __len__(self) -> int:
        return len(self.paths)


def stored_scores(project: Project, catalog: Catalog, model_name: str) -> Scores | None:
    """The predictions stored for ``model_name`` (by an earlier Apply), or None when there are none."""
    record = catalog.model_record(model_name)
    if record is None:
        return None
    stored = catalog.predictions_of(record.id)
    files = catalog.file_paths(list(stored)) if stored else {}
    ids = [fid for fid in stored if fid in files]
    if not ids:
        return None
    return Scores([str(project.abspath(files[fid][0])) for fid in ids],
                  np.array([stored[fid] for fid in ids], np.float32).reshape(len(ids), -1),
                  list(record.classes))


@dataclass
class ProjectApplyResult:
    result: ApplyResult
    model_id: int
    stored: int  # predictions written to the catalog


def make_project_apply_job(project: Project, model_name: str, *, unlabelled_only: bool = False,
                           batch_size: int = 32) -> Job:
    """Classify the project's images (or those without a label in the model's label set); store scores."""
    def job(progress: ProgressFn, cancelled: Callable[[], bool]) -> ProjectApplyResult:
        info = project_model(project, model_name)
        with project.open_catalog() as catalog:
            model_id = register(project, catalog, info)
            files = catalog.files_to_classify(info.label_set, unlabelled_only)
            if not files:
                raise UserError("There are no images to classify" +
                                (f" without a “{info.label_set}” label." if unlabelled_only else "."))
            by_path = {str(project.abspath(rel)): fid for fid, rel in files}
            with recorded_run(catalog, "classify", info.name, None,
                              {"unlabelled_only": unlabelled_only, "images": len(files)}) as run_id:
                result = apply_classifier(info, list(by_path), batch_size=batch_size, progress=progress,
                                          cancelled=cancelled)
            stored = catalog.save_predictions(model_id, {by_path[p]: list(row) for p, row in
                                                         zip(result.paths, result.probabilities)})
            for path in result.failed:
                catalog.set_file_state(by_path[path], "corrupt")
            catalog.update_run(run_id, "done", {"stored": stored, "failed": len(result.failed)})
            return ProjectApplyResult(result, model_id, stored)
    return job


def rename_project_model(project: Project, old: str, new: str) -> model_files.ModelInfo:
    info = model_files.rename_model(project.models_dir, old, new)
    with project.open_catalog() as catalog:
        if catalog.model_record(old) is not None:
            catalog.rename_model_record(old, info.name, project.relpath(info.path))
    return info


def delete_project_model(project: Project, name: str) -> None:
    """Delete the model's files and its predictions (labels made by people are never touched)."""
    model_files.delete_model(project.models_dir, name)
    with project.open_catalog() as catalog:
        catalog.delete_model_record(name)
