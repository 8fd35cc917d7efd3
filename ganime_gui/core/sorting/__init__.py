"""Sorting images into classes by hand, without Qt: queues and their filters and orders, page-mode
fills, near-duplicate groups, folder export/import and the pace of a sitting; learn as I sort
(``active``: a quick model on the frozen-feature cache that re-orders the queue) and the funnel
(``funnel``: counts from crawl to clean set, spot checks, the clean set). The label history
(undo/redo that survives a restart) lives in the catalog (``Catalog.apply_label_changes``,
``undo_label_step``, ``redo_label_step``)."""
from .duplicates import (DUPLICATE_SET, DuplicateGroup, compute_phashes_job, find_duplicate_groups,
                         find_duplicates_job, keep_best)
from .folders import export_to_folders, import_from_folders
from .pace import PaceMeter
from .page import fill_page, majority_label, plan_page_fill
from .queue import ORDERS, SHOW_MODES, QueueSpec, build_queue, duplicate_rows, next_unlabelled

__all__ = ["DUPLICATE_SET", "DuplicateGroup", "ORDERS", "PaceMeter", "QueueSpec", "SHOW_MODES",
           "build_queue", "compute_phashes_job", "duplicate_rows", "export_to_folders", "fill_page",
           "find_duplicate_groups", "find_duplicates_job", "import_from_folders", "keep_best",
           "majority_label", "next_unlabelled", "plan_page_fill"]
