"""Page mode: a person marks the exceptions on a page; one key labels the rest."""
from __future__ import annotations


def plan_page_fill(page_ids: list[int], marked: set[int], labelled_here: dict[int, str],
                   fill_label: str, classes: tuple[str, ...]) -> dict[int, str]:
    """The labels a page fill gives, file id -> label.

    * Unmarked images that were not labelled on this page get ``fill_label`` (the majority).
    * Images labelled on this page by a digit keep that label (they are exceptions too).
    * Marked images with no label of their own get the other class when the set has exactly
      two classes (marking the few chibi on a not_chibi page is enough); with more classes they
      are left for the person to label.
    """
    if fill_label not in classes:
        raise ValueError(f"{fill_label!r} is not a class of this label set")
    other = next((c for c in classes if c != fill_label), None) if len(classes) == 2 else None
    plan: dict[int, str] = {}
    for file_id in page_ids:
        if file_id in labelled_here:
            plan[file_id] = labelled_here[file_id]
        elif file_id in marked:
            if other is not None:
                plan[file_id] = other
        else:
            plan[file_id] = fill_label
    return plan


def majority_label(counts: dict[str, int], classes: tuple[str, ...]) -> str:
    """The class with the most labels so far (the first class on a tie or with none yet)."""
    return max(classes, key=lambda c: (counts.get(c, 0), -classes.index(c)))
