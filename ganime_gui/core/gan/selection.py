"""Which images the GAN trains on, picked from the project's catalog: the funnel's clean set, by
hand label, by the class a trained classifier predicted, or all of them. Rejected images (any
label in the ``reject`` set, or a reason other than ``clean`` in the ``reasons`` set) are left
out of these selections, except that a selection from the ``reasons`` set itself takes what it
names (training a GAN on the chibi figures is a choice, not a mistake). The clean set is the one
the Sort tab's funnel last showed for that label set and class, tag pre-filter included."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from ganime_gui.core.catalog.labels import REASONS_CLEAN, REASONS_SET  # any other label there rejects

REJECT_SET = "reject"  # any label in this set means "keep out of the training data"

# A selection is a tuple: (CLEAN, label set, clean class), (LABEL, label set, label),
# (PREDICTED, model, label), (ALL,) or (FOLDER,).
CLEAN, LABEL, PREDICTED, ALL, FOLDER = "clean", "label", "predicted", "all", "folder"


def label_choices(catalog) -> list[tuple[str, str, int]]:
    """(label set, class, image count) for every class that has images, for a picker."""
    choices = []
    for ls in catalog.label_sets():
        if ls.name == REJECT_SET:
            continue
        for label, count in catalog.label_counts(ls.name).items():
            if count:
                choices.append((ls.name, label, count))
    return choices


def _rejected(catalog, label_set: str | None = None) -> set[str]:
    """Relative paths kept out of a selection drawn from ``label_set``."""
    out: set[str] = set()
    if catalog.label_set(REJECT_SET) is not None:
        out |= {p for p, _ in catalog.labelled_paths(REJECT_SET)}
    if label_set != REASONS_SET and catalog.label_set(REASONS_SET) is not None:
        out |= {p for p, lab in catalog.labelled_paths(REASONS_SET) if lab != REASONS_CLEAN}
    return out


def paths_with_label(catalog, project, label_set: str, label: str,
                     exclude_rejected: bool = True) -> list[Path]:
    """Absolute paths of the images labelled ``label`` in ``label_set``, minus any rejected ones."""
    chosen = [p for p, lab in catalog.labelled_paths(label_set) if lab == label]
    rejected = _rejected(catalog, label_set) if exclude_rejected else set()
    return [project.abspath(p) for p in chosen if p not in rejected]


def all_image_paths(catalog, project) -> list[Path]:
    return [project.abspath(f.path) for f in catalog.files("ok")]


# -- the classifier's predictions -------------------------------------------------------------------
@dataclass(frozen=True)
class PredictedChoice:
    model: str        # the classifier's name in the catalog
    label_set: str
    label: str        # the predicted class
    count: int


def _predicted_paths(catalog, model) -> dict[str, str]:
    """relative path -> predicted class (the highest score) for every good file the model scored."""
    scores = catalog.predictions_of(model.id)
    out = {}
    for f in catalog.files("ok"):
        s = scores.get(f.id)
        if s:
            out[f.path] = model.classes[max(range(len(s)), key=s.__getitem__)]
    return out


def prediction_choices(catalog) -> list[PredictedChoice]:
    """Every class each stored classifier predicted for at least one image (rejected ones not
    counted), newest model first."""
    choices = []
    for model in catalog.model_records():
        if not catalog.prediction_count(model.id):
            continue
        rejected = _rejected(catalog, model.label_set)
        counts: dict[str, int] = {}
        for path, label in _predicted_paths(catalog, model).items():
            if path not in rejected:
                counts[label] = counts.get(label, 0) + 1
        choices += [PredictedChoice(model.name, model.label_set, label, counts[label])
                    for label in model.classes if counts.get(label)]
    return choices


def paths_with_prediction(catalog, project, model_name: str, label: str,
                          exclude_rejected: bool = True) -> list[Path]:
    """Absolute paths of the images the classifier ``model_name`` put in ``label``, minus rejected."""
    from ganime_gui.core.jobs import UserError

    model = catalog.model_record(model_name)
    if model is None:
        raise UserError(f"The classifier {model_name!r} is no longer in the project: pick another selection.")
    rejected = _rejected(catalog, model.label_set) if exclude_rejected else set()
    return [project.abspath(p) for p, lab in sorted(_predicted_paths(catalog, model).items())
            if lab == label and p not in rejected]


def selected_paths(catalog, project, selection: tuple, folder: Path | None = None) -> list[Path]:
    """The image paths of a selection (``folder`` for a FOLDER selection)."""
    from ganime_gui.core.gan.dataset import list_image_files
    from ganime_gui.core.jobs import UserError

    kind, *args = selection
    if kind == FOLDER:
        if folder is None:
            raise UserError("Choose a folder of images first.")
        return list_image_files(folder)
    if catalog is None:
        raise UserError("Open a project, or choose a folder of images.")
    if kind == ALL:
        return all_image_paths(catalog, project)
    if kind == PREDICTED:
        return paths_with_prediction(catalog, project, *args)
    if kind == CLEAN:
        return clean_set_paths(catalog, project, *args)
    return paths_with_label(catalog, project, *args)


# -- the funnel's clean set -------------------------------------------------------------------------
def _is_clean_class(label: str) -> bool:
    """The class a funnel keeps: "clean" (the reasons set) or "not_…" (chibi → not_chibi)."""
    return label == "clean" or label.startswith("not_")


@dataclass(frozen=True)
class CleanChoice:
    label_set: str
    clean: str        # the class kept
    count: int
    tags: str = ""    # the funnel's tag pre-filter, as last shown for this label set and class


def _funnel_tags(funnels: Mapping, label_set: str, clean: str) -> str:
    """The tag pre-filter of the funnel last shown for ``label_set`` with class ``clean`` ("")."""
    saved = funnels.get(label_set)
    return saved.tags if saved is not None and saved.clean == clean else ""


def _saved_funnels(project) -> Mapping:
    from ganime_gui.core.sorting.funnel import saved_specs

    return saved_specs(project.funnel_path) if project is not None else {}


def clean_choices(catalog, project=None) -> list[CleanChoice]:
    """Every non-empty clean set the funnel would keep: the images labelled that class by hand
    plus the unlabelled ones the newest model predicted it for (the Sort tab's funnel), rejected
    ones not counted. The tag pre-filter of the ``project``'s saved funnel applies to its label
    set and class."""
    funnels = _saved_funnels(project)
    choices = []
    for ls in catalog.label_sets():
        if ls.name == REJECT_SET:
            continue
        rejected = _rejected(catalog, ls.name)
        for label in ls.classes:
            if _is_clean_class(label):
                tags = _funnel_tags(funnels, ls.name, label)
                count = sum(1 for p in _clean_set(catalog, ls.name, label, tags) if p not in rejected)
                if count:
                    choices.append(CleanChoice(ls.name, label, count, tags))
    return choices


def _clean_set(catalog, label_set: str, clean: str, tags: str) -> list[str]:
    from ganime_gui.core.sorting.funnel import FunnelSpec, clean_set_paths as funnel_clean_set

    return [path for path, _ in funnel_clean_set(catalog, FunnelSpec(label_set, clean, tags))]


def clean_set_paths(catalog, project, label_set: str, clean: str,
                    exclude_rejected: bool = True) -> list[Path]:
    """Absolute paths of the funnel's clean set of ``label_set`` (class ``clean``, with the tag
    pre-filter the project's funnel was last shown with), minus rejected."""
    tags = _funnel_tags(_saved_funnels(project), label_set, clean)
    rejected = _rejected(catalog, label_set) if exclude_rejected else set()
    return [project.abspath(p) for p in _clean_set(catalog, label_set, clean, tags) if p not in rejected]
