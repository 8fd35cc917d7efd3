"""Which images the GAN trains on, picked from the project's catalog by label."""
from __future__ import annotations

from pathlib import Path

REJECT_SET = "reject"  # any label in this set means "keep out of the training data"


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


def paths_with_label(catalog, project, label_set: str, label: str, exclude_rejected: bool = True) -> list[Path]:
    """Absolute paths of the images labelled ``label`` in ``label_set``, minus any rejected ones."""
    chosen = [p for p, lab in catalog.labelled_paths(label_set) if lab == label]
    rejected = set()
    if exclude_rejected and catalog.label_set(REJECT_SET) is not None:
        rejected = {p for p, _ in catalog.labelled_paths(REJECT_SET)}
    return [project.abspath(p) for p in chosen if p not in rejected]


def all_image_paths(catalog, project) -> list[Path]:
    return [project.abspath(f.path) for f in catalog.files("ok")]
