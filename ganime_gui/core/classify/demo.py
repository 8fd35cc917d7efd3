"""Labelled synthetic figures for tests, benchmarks, screenshots and the demo: chibi vs not_chibi.

Single full-body figures, as the seed's tag-filtered crawl (``full_body solo standing 1girl``)
gave, drawn by the fake booru's generator with their ground truth.
"""
from __future__ import annotations

import csv
from pathlib import Path

from ganime_gui.core.project import Project


def write_chibi_figures(folder: str | Path, count: int, seed: int, *, min_height: int = 64, max_height: int = 90,
                        chibi_fraction: float = 0.5) -> Path:
    from ganime_gui.fakebooru.figures import write_image_folder

    return write_image_folder(folder, count, seed, min_height=min_height, max_height=max_height,
                              chibi_fraction=chibi_fraction, two_characters=0.0, busy=0.0, upper_body=0.0)


def chibi_label(row: dict) -> str:
    return "chibi" if int(row["chibi"]) == 1 else "not_chibi"  # "1" in the CSV, True once read_ground_truth parsed it


def chibi_figure_items(folder: str | Path, count: int, seed: int, **kwargs) -> list[tuple[str, str]]:
    """(path, label) pairs of freshly written figures."""
    folder = Path(folder)
    csv_path = write_chibi_figures(folder, count, seed, **kwargs)
    with open(csv_path, newline="", encoding="utf-8") as f:
        return [(str(folder / r["file"]), chibi_label(r)) for r in csv.DictReader(f)]


def labelled_figure_project(root: str | Path, count: int, seed: int, *, labelled: int | None = None,
                            **kwargs) -> tuple[Project, list[dict]]:
    """A new project at ``root/project`` with ``count`` figures catalogued and the first ``labelled``
    (default all) labelled in the ``chibi`` set. Returns the project and the ground-truth rows
    (each with its ``file_id``)."""
    from ganime_gui.core.sorting.demo import catalog_generated

    root = Path(root)
    project = Project.create(root / "project")
    csv_path = write_chibi_figures(root / "figures", count, seed, **kwargs)
    with project.open_catalog() as catalog:
        rows = catalog_generated(project, catalog, root / "figures", csv_path)
        for label in ("chibi", "not_chibi"):
            ids = [r["file_id"] for r in rows[:labelled] if chibi_label(r) == label]
            catalog.set_labels("chibi", ids, label)
    return project, rows
