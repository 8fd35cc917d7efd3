"""Near-duplicate groups in the Sort tab: find them in the background, keep the best of one."""
from __future__ import annotations

from ganime_gui.core.sorting import find_duplicates_job, keep_best


def find(tab) -> None:
    """Hash and group in a job; then show the groups (the Show filter switches to them)."""
    if tab.catalog is None or tab.finding_duplicates:
        return
    tab.finding_duplicates = True

    def ended():
        tab.finding_duplicates = False

    def finished(groups):
        ended()
        tab.groups = groups
        tab.context.status(f"{len(groups)} near-duplicate group(s) found.")
        if tab.spec().show == "duplicates":
            tab.reload()
        else:
            tab.filters.select(tab.filters.show_combo, "duplicates")

    def failed(message):
        ended()
        tab.context.error("Near-duplicates", message)

    tab.context.jobs.start(find_duplicates_job(tab.context.project, tab.catalog),
                           "Find near-duplicates", on_finished=finished, on_failed=failed,
                           on_cancelled=ended)


def keep_best_of_current(tab, use_current: bool = False) -> None:
    """Keep the best of the current image's group (or the current image), mark the rest."""
    row, model = tab.current_row(), tab.model
    if row < 0 or tab.spec().show != "duplicates" or tab.groups is None or model.groups is None:
        return
    file_id = model.rows[row].id
    group = next((g for g in tab.groups if file_id in g.members), None)
    if group is None:
        return
    keep_best(tab.catalog, group, file_id if use_current else None)
    tab.context.status(f"Kept 1, marked {len(group.members) - 1} as duplicate.")
    first = model.groups.index(model.groups[row])
    tab.reload()   # the decided group leaves the view
    tab.set_current(min(first, model.rowCount() - 1))  # the next group moved up here
