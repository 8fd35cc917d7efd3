"""Import an existing folder of images into a project: hash each file, copy it in, catalog it.

Works for the seed crawler's output (``<40-hex or md5>.<ext>`` in one folder), a published
dataset folder, or any tree of images. Each file lands in ``images/<md5>.<ext>`` like a crawled
one, so an imported picture and a later crawl of the same post are recognised as one file.
"""
from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ganime_gui.core.catalog import Catalog
from ganime_gui.core.crawl.download import TEMP_PREFIX, TEMP_SUFFIX, sniff_ext
from ganime_gui.core.fsutil import DiskFull, commit, safe_join, temp_path
from ganime_gui.core.images import ImageRejected, check_image, file_md5, is_image_file
from ganime_gui.core.jobs import (CancelledFn, JobCancelled, ProgressFn, UserError, never_cancelled,
                                  no_progress)
from ganime_gui.core.project import Project

log = logging.getLogger("ganime.import")

@dataclass
class ImportResult:
    added: int = 0
    already_had: int = 0
    skipped: list[str] = field(default_factory=list)   # "name: why"

    def summary(self) -> str:
        return (f"Imported {self.added} images; {self.already_had} were already in the project; "
                f"{len(self.skipped)} files skipped.")

    def describe(self) -> str:
        """The summary with the first skipped files and why (for a log line)."""
        if not self.skipped:
            return self.summary()
        shown = "; ".join(self.skipped[:5]) + ("; …" if len(self.skipped) > 5 else "")
        return f"{self.summary()[:-1]}: {shown}."


def find_images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if is_image_file(p))


def outside(path: Path, folder: Path) -> bool:
    """A symlink (or a path through one) that leads out of the folder being imported."""
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        return True
    return False


def import_folder(project: Project, catalog: Catalog, folder: str | Path,
                  progress: ProgressFn = no_progress,
                  cancelled: CancelledFn = never_cancelled) -> ImportResult:
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder. Choose the folder that holds the images.")
    files = find_images(folder)
    if not files:
        raise UserError(f"{folder} holds no images (.jpg, .png, .gif or .webp).")
    result = ImportResult()
    images_dir = project.images_dir.resolve()
    for i, path in enumerate(files, 1):
        if cancelled():
            raise JobCancelled()
        try:
            if outside(path, folder):
                result.skipped.append(f"{path.name}: a link to a file outside the folder")
            else:
                _import_one(project, catalog, path, images_dir, result)
        except DiskFull:
            raise
        except ImageRejected as exc:
            result.skipped.append(f"{path.name}: {str(exc).replace(path.name, 'the file', 1)}")
        except OSError as exc:
            result.skipped.append(f"{path.name}: {exc.strerror or exc}")
        except Exception as exc:  # noqa: BLE001 - one odd file never stops an import
            log.info("import %s failed", path, exc_info=True)
            result.skipped.append(f"{path.name}: {type(exc).__name__}: {exc}")
        progress(i, len(files), f"Importing {path.name}")
    progress(len(files), len(files), result.describe())
    return result


def _import_one(project: Project, catalog: Catalog, path: Path, images_dir: Path,
                result: ImportResult) -> None:
    md5 = file_md5(path)
    if catalog.file_by_md5(md5) is not None:
        result.already_had += 1
        return
    with open(path, "rb") as fh:
        ext = sniff_ext(fh.read(16))
    if ext is None:
        result.skipped.append(f"{path.name}: not a JPEG, PNG, GIF or WebP image")
        return
    width, height = check_image(path, decode=True)   # a truncated JPEG only shows when decoded
    target = safe_join(images_dir, f"{md5}.{ext}")
    if not target.exists():
        # Copy beside the target, then rename: a killed import leaves no half file under the name.
        with temp_path(images_dir, prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX) as tmp:
            shutil.copyfile(path, tmp)
            commit(tmp, target)
    catalog.add_file(project.relpath(target), md5, target.stat().st_size, width, height)
    result.added += 1
