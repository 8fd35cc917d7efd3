"""The project catalog: the one place that speaks SQL.

``Catalog`` is assembled from one mixin per area (files, labels, runs, ...) over a shared
``Database``; each mixin module owns the queries of its tables.
"""
from __future__ import annotations

from pathlib import Path

from .crawls import CrawlRecord, CrawlsMixin
from .db import Database, schema_version
from .files import FileRecord, FilesMixin
from .posts import PostsMixin
from .predictions import ModelRecord, PredictionsMixin
from .labels import DEFAULT_LABEL_SETS, LabelSet, LabelsMixin
from .runs import RunRecord, RunsMixin
from .schema import MIGRATIONS
from .sorting import SortingMixin

SCHEMA_VERSION = len(MIGRATIONS)


class Catalog(FilesMixin, LabelsMixin, RunsMixin, SortingMixin, PostsMixin, CrawlsMixin, PredictionsMixin):
    def __init__(self, path: str | Path):
        self.db = Database(path)
        self.path = self.db.path

    @property
    def schema_version(self) -> int:
        return schema_version(self.db.conn)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "Catalog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = ["Catalog", "CrawlRecord", "Database", "FileRecord", "LabelSet", "ModelRecord", "RunRecord",
           "DEFAULT_LABEL_SETS", "SCHEMA_VERSION"]
