"""Fill a project with the fake booru's generated pictures: data for tests, the benchmark and the
screenshot (the crawler is the real way files get into a catalog)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from ganime_gui.core.catalog import Catalog
from ganime_gui.core.project import Project
from ganime_gui.fakebooru.figures import read_ground_truth


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
    """A crawled post with tags pointing at a file (the crawler writes these for real)."""
    catalog.attach_demo_post(site, post_id, file_id, tags)


def attach_predictions(catalog: Catalog, label_set: str, classes: list[str],
                       scores: dict[int, list[float]]) -> int:
    """A classifier's predictions (file id -> one score per class); returns the model id."""
    return catalog.attach_demo_predictions(label_set, classes, scores)
