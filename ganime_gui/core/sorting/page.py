"""Page mode: a person marks the exceptions on a page; one key labels the rest.

A page is what the grid shows whole; a fill acts on the page's *unlabelled* images only, unless
the person asks for a relabel, so a label given before (by a digit, an earlier page, an import)
never changes by accident.
"""
from __future__ import annotations


def plan_page_fill(page: dict[int, str | None], marked: set[int], fill_label: str,
                   classes: tuple[str, ...], relabel: bool = False) -> dict[int, str]:
    """The labels a page fill gives, file id -> label.

    ``page`` maps each file of the page to its current label (None: unlabelled).

    * Unlabelled, unmarked images get ``fill_label``.
    * Unlabelled, marked images get the other class when the set has exactly two classes (marking
      the few chibi on a not_chibi page is enough); with more classes they are left for the person
      to label.
    * Labelled images keep their label, unless ``relabel``: then they are treated as unlabelled.
    """
    if fill_label not in classes:
        raise ValueError(f"{fill_label!r} is not a class of this label set")
    other = next((c for c in classes if c != fill_label), None) if len(classes) == 2 else None
    plan: dict[int, str] = {}
    for file_id, current in page.items():
        if current is not None and not relabel:
            continue
        label = other if file_id in marked else fill_label
        if label is not None:
            plan[file_id] = label
    return plan


def majority_label(counts: dict[str, int], classes: tuple[str, ...]) -> str:
    """The class with the most labels so far (the first class on a tie or with none yet)."""
    return max(classes, key=lambda c: (counts.get(c, 0), -classes.index(c)))


def fill_page(catalog, label_set: str, page_ids: list[int], marked: set[int], fill_label: str,
              relabel: bool = False):
    """Plan against the labels the catalog has now and apply the plan as one undoable step
    (None when nothing changes)."""
    ls = catalog.label_set(label_set)
    current = catalog.label_map(ls.id, page_ids)
    plan = plan_page_fill(current, marked & set(page_ids), fill_label, ls.classes, relabel)
    return catalog.apply_label_changes(label_set, list(plan), plan) if plan else None
