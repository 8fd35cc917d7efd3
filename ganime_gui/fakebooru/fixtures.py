"""Projects filled with the fake booru's generated pictures: data for tests, benchmarks,
screenshots and the demo. Test support, not the engine: it writes through the catalog's real
API (the calls the crawler and the classifier make), so the engine has no demo-only paths.

    project, rows = labelled_figure_project(tmp_path, 64, seed=3, labelled=48)
    rows = catalog_generated(project, catalog, gen_dir, csv_path)      # pictures you generated
    attach_post(catalog, rows[0]["file_id"], 500, rows[0]["tags"].split())
    attach_predictions(catalog, "chibi", ["chibi", "not_chibi"], {file_id: [0.9, 0.1]})
"""
from __future__ import annotations

import csv
import os
import shutil
import time
from pathlib import Path

from ganime_gui.core.boorus.base import Post
from ganime_gui.core.catalog import Catalog
from ganime_gui.core.project import Project
from ganime_gui.fakebooru.figures import read_ground_truth, write_image_folder


# -- labelled chibi / not_chibi figures ----------------------------------------------------------------
# Single full-body figures, as the seed's tag-filtered crawl (``full_body solo standing 1girl``)
# gave, with their ground truth.

def write_chibi_figures(folder: str | Path, count: int, seed: int, *, min_height: int = 64,
                        max_height: int = 90, chibi_fraction: float = 0.5) -> Path:
    """Write the figures and their ``ground_truth.csv``; returns the CSV's path."""
    return write_image_folder(folder, count, seed, min_height=min_height, max_height=max_height,
                              chibi_fraction=chibi_fraction, two_characters=0.0, busy=0.0, upper_body=0.0)


def chibi_label(row: dict) -> str:
    # "1" in the CSV, True once read_ground_truth parsed it
    return "chibi" if int(row["chibi"]) == 1 else "not_chibi"


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
    root = Path(root)
    project = Project.create(root / "project")
    csv_path = write_chibi_figures(root / "figures", count, seed, **kwargs)
    with project.open_catalog() as catalog:
        rows = catalog_generated(project, catalog, root / "figures", csv_path)
        for label in ("chibi", "not_chibi"):
            ids = [r["file_id"] for r in rows[:labelled] if chibi_label(r) == label]
            catalog.set_labels("chibi", ids, label)
    return project, rows


# -- a catalog filled as a crawl and a classifier would ------------------------------------------------

def catalog_generated(project: Project, catalog: Catalog, gen_dir: str | Path,
                      csv_path: str | Path, *, link: bool = False) -> list[dict]:
    """Put generated pictures into the project as ``images/<md5>.<ext>`` (hard links when
    ``link``, else copies) and catalog them in one transaction; returns the ground-truth rows,
    each with its catalog ``file_id``."""
    gen_dir = Path(gen_dir)
    rows = read_ground_truth(csv_path)
    with catalog.db.transaction():
        for row in rows:
            dest = project.images_dir / f"{row['md5']}{Path(row['file']).suffix}"
            if not dest.exists():
                (os.link if link else shutil.copyfile)(gen_dir / row["file"], dest)
            row["file_id"] = catalog.add_file(project.relpath(dest), row["md5"],
                                              dest.stat().st_size, row["width"], row["height"])
    return rows


def attach_post(catalog: Catalog, file_id: int, post_id: int, tags: list[str],
                site: str = "demo") -> None:
    """A downloaded post with these tags for a file, saved as the crawler saves its posts."""
    post = Post(site=site, id=post_id, md5=None, tags=tuple(tags), rating=None, width=None,
                height=None, file_url=None)
    catalog.save_posts([(post, "downloaded", None, file_id)], None)


def attach_predictions(catalog: Catalog, label_set: str, classes: list[str],
                       scores: dict[int, list[float]], name: str = "demo") -> int:
    """A model's predictions (file id -> one score per class), recorded as the classifier records
    them; returns the model id. Each call makes a new model record."""
    model_id = catalog.register_model(f"{name}-{time.time()}", f"models/{name}.keras", label_set,
                                      classes, "demo", 64, None)
    catalog.save_predictions(model_id, scores)
    return model_id
