"""Export labels as folders (``<out>/<label>/<file>``) and read labels back from that layout.

The layout is what Keras's ``image_dataset_from_directory`` and the seed's notebooks read.
Exports hard-link where the file system allows (no extra space, instant) and copy elsewhere.
Nothing here moves or deletes a project file.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ganime_gui.core.catalog import Catalog
from ganime_gui.core.catalog.sorting import HistoryStep
from ganime_gui.core.fsutil import atomic_path, safe_join
from ganime_gui.core.images import file_md5, is_image_file
from ganime_gui.core.jobs import Job, UserError, check_cancelled
from ganime_gui.core.project import Project

@dataclass
class ExportReport:
    linked: int = 0
    copied: int = 0
    already_there: int = 0
    missing: list[str] = field(default_factory=list)   # catalog paths not on disk


@dataclass
class ImportReport:
    labelled: int = 0
    unchanged: int = 0
    unknown_files: list[str] = field(default_factory=list)    # not in the catalog (by content)
    unknown_folders: list[str] = field(default_factory=list)  # not a class of the label set
    step: HistoryStep | None = None


def export_to_folders(project: Project, catalog: Catalog, label_set: str, out_dir: str | Path,
                      items: Callable[[], list[tuple[str, str]]] | None = None) -> Job:
    """A job writing every labelled file of ``label_set`` to ``<out_dir>/<label>/<file name>``
    (or the (catalog path, folder) pairs ``items()`` gives, such as the funnel's clean set)."""
    def job(progress, cancelled) -> ExportReport:
        out = Path(out_dir)
        labelled = items() if items is not None else catalog.labelled_paths(label_set)
        report = ExportReport()
        for i, (rel, label) in enumerate(labelled):
            if i % 64 == 0:
                check_cancelled(cancelled)
                progress(i, len(labelled), f"Exporting {label_set} to folders")
            source = project.abspath(rel)
            dest = safe_join(out, label, Path(rel).name)
            if dest.exists():
                report.already_there += 1
                continue
            if not source.is_file():
                report.missing.append(rel)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, dest)
                report.linked += 1
            except OSError:  # another device, or a file system without hard links
                with atomic_path(dest) as tmp:  # a stopped export leaves no half image behind
                    shutil.copy2(source, tmp)
                report.copied += 1
        progress(len(labelled), len(labelled), "Export done")
        return report
    return job


def import_from_folders(catalog: Catalog, label_set: str, folder: str | Path) -> Job:
    """A job reading ``<folder>/<class>/<image>`` back as labels, matched by content (md5), so
    renamed files still count. One undoable step. Folders that are not classes of the set and
    files the catalog does not know are reported, not imported."""
    def job(progress, cancelled) -> ImportReport:
        root = Path(folder)
        ls = catalog.label_set(label_set)
        if ls is None:
            raise UserError(f"There is no label set named “{label_set}”.")
        if not root.is_dir():
            raise UserError(f"{root} is not a folder.")
        report = ImportReport()
        candidates: list[tuple[Path, str]] = []
        for sub in sorted(p for p in root.iterdir() if p.is_dir()):
            if sub.name not in ls.classes:
                report.unknown_folders.append(sub.name)
                continue
            candidates += [(f, sub.name) for f in sorted(sub.iterdir())
                           if is_image_file(f)]
        by_md5 = catalog.file_ids_by_md5()
        wanted: dict[int, str] = {}
        for i, (path, label) in enumerate(candidates):
            if i % 64 == 0:
                check_cancelled(cancelled)
                progress(i, len(candidates), "Reading labels from folders")
            file_id = by_md5.get(file_md5(path))
            if file_id is None:
                report.unknown_files.append(str(path.relative_to(root)))
            else:
                wanted[file_id] = label
        report.step = catalog.apply_label_changes(label_set, wanted, wanted)
        report.labelled = len(report.step.changes) if report.step else 0
        report.unchanged = len(wanted) - report.labelled
        progress(len(candidates), len(candidates), "Import done")
        return report
    return job
