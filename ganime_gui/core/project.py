"""A project folder's layout. Every path in the app goes through here.

    <project>/
      ganime.sqlite        the catalog
      images/              downloaded or imported images, <md5>.<ext>
      cache/thumbs/        thumbnail cache (safe to delete)
      cache/features/      frozen-feature cache of the classifiers (safe to delete)
      cache/gan/           prepared GAN datasets (safe to delete)
      models/              trained classifiers (.keras + .json)
      runs/                GAN runs (checkpoints, fakes*.png, metrics)
      exports/             folder exports (label folders, prepared sets)
      logs/ganime.log      what went wrong, with tracebacks
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ganime_gui.core.catalog import Catalog
from ganime_gui.core.fsutil import commit, disk_full_error, is_disk_full, temp_path
from ganime_gui.core.jobs import UserError

CATALOG_NAME = "ganime.sqlite"
_SUBDIRS = ("images", "cache/thumbs", "cache/features", "cache/gan", "models", "runs", "exports",
            "logs")


@dataclass(frozen=True)
class Project:
    root: Path

    # -- layout ----------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.root.name

    @property
    def catalog_path(self) -> Path:
        return self.root / CATALOG_NAME

    @property
    def images_dir(self) -> Path:
        return self.root / "images"

    @property
    def cache_dir(self) -> Path:
        return self.root / "cache"

    @property
    def thumbs_dir(self) -> Path:
        return self.root / "cache" / "thumbs"

    @property
    def features_dir(self) -> Path:
        return self.root / "cache" / "features"

    @property
    def gan_cache_dir(self) -> Path:
        return self.root / "cache" / "gan"

    @property
    def models_dir(self) -> Path:
        return self.root / "models"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def exports_dir(self) -> Path:
        return self.root / "exports"

    @property
    def funnel_path(self) -> Path:
        """The funnel as last shown per label set (clean class, tag pre-filter): funnel.json."""
        return self.root / "funnel.json"

    @property
    def log_path(self) -> Path:
        return self.root / "logs" / "ganime.log"

    def abspath(self, relative: str) -> Path:
        """The absolute path of a catalog path (stored relative, '/' separated)."""
        return self.root.joinpath(*relative.split("/"))

    def relpath(self, path: str | Path) -> str:
        """The catalog form of a path inside the project."""
        return Path(path).resolve().relative_to(self.root.resolve()).as_posix()

    # -- create / open ---------------------------------------------------------------------------
    @classmethod
    def create(cls, root: str | Path) -> "Project":
        root = Path(root).expanduser().resolve()
        if root.exists() and (root / CATALOG_NAME).exists():
            raise UserError(f"{root} is already a GANime project: use Open project instead.")
        if root.exists() and not root.is_dir():
            raise UserError(f"{root} is a file, not a folder.")
        try:
            root.mkdir(parents=True, exist_ok=True)
            project = cls(root)
            project._ensure_layout()
            project._create_catalog()
        except PermissionError as exc:
            raise UserError(f"Cannot create a project in {root}: permission denied.") from exc
        except OSError as exc:
            if is_disk_full(exc):
                raise disk_full_error(CATALOG_NAME, exc) from exc
            raise
        return project

    def _create_catalog(self) -> None:
        """Build the catalog under a temporary name and rename it into place when it is
        complete (schema and label sets): a project is whole or not a project at all."""
        import sqlite3

        with temp_path(self.root, prefix=f".{CATALOG_NAME}.", suffix=".new") as tmp:
            tmp.unlink()   # sqlite makes the file itself
            try:
                with Catalog(tmp) as catalog:
                    catalog.ensure_default_label_sets()
                    catalog.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.OperationalError as exc:
                if "full" in str(exc).lower():
                    raise disk_full_error(CATALOG_NAME) from exc
                raise
            finally:
                for side in ("-wal", "-shm"):
                    Path(f"{tmp}{side}").unlink(missing_ok=True)
            commit(tmp, self.catalog_path)

    @classmethod
    def open(cls, root: str | Path) -> "Project":
        root = Path(root).expanduser().resolve()
        if not (root / CATALOG_NAME).is_file():
            raise UserError(f"{root} is not a GANime project (it has no {CATALOG_NAME}). "
                            f"Use New project to make one there.")
        project = cls(root)
        project._ensure_layout()
        return project

    @classmethod
    def open_or_create(cls, root: str | Path) -> "Project":
        """For headless commands that take ``--project DIR``: the project there, made if missing."""
        return cls.open(root) if cls.is_project(root) else cls.create(root)

    @staticmethod
    def is_project(root: str | Path) -> bool:
        return (Path(root) / CATALOG_NAME).is_file()

    def open_catalog(self) -> Catalog:
        return Catalog(self.catalog_path)

    def _ensure_layout(self) -> None:
        for sub in _SUBDIRS:
            (self.root / sub).mkdir(parents=True, exist_ok=True)
