"""Near-duplicate groups on the generator's near-copies, and keep-the-best."""
from ganime_gui.core.jobs import never_cancelled, no_progress
from ganime_gui.core.sorting import (DUPLICATE_SET, QueueSpec, build_queue, compute_phashes_job,
                                     find_duplicate_groups, keep_best)


def test_generated_near_duplicates_are_grouped_with_their_originals(sorted_project):
    project, catalog, rows = sorted_project
    assert compute_phashes_job(project, catalog)(no_progress, never_cancelled) == len(rows)
    groups = find_duplicate_groups(catalog)
    by_name = {r["file"]: r["file_id"] for r in rows}
    expected = {}
    for r in rows:
        if r["near_duplicate_of"]:
            expected.setdefault(by_name[r["near_duplicate_of"]],
                                {by_name[r["near_duplicate_of"]]}).add(r["file_id"])
    found = [set(g.members) for g in groups]
    for members in expected.values():
        assert any(members <= g for g in found), (members, found)
    # No false friends: every group holds one original and its copies only.
    originals_of = {r["file_id"]: by_name.get(r["near_duplicate_of"], r["file_id"]) for r in rows}
    for g in groups:
        assert len({originals_of[m] for m in g.members}) == 1


def test_keep_best_marks_the_rest_and_hides_them(sorted_project):
    project, catalog, rows = sorted_project
    compute_phashes_job(project, catalog)(no_progress, never_cancelled)
    group = find_duplicate_groups(catalog)[0]
    keep_best(catalog, group)
    labels = catalog.labels(DUPLICATE_SET)
    assert labels[group.best] == "keep"
    assert all(labels[m] == "duplicate" for m in group.members[1:])
    shown = {r.id for r in build_queue(catalog, QueueSpec("chibi"))}
    assert group.best in shown and not shown & set(group.members[1:])
    assert len(build_queue(catalog, QueueSpec("chibi", hide_duplicates=False))) == len(rows)
    catalog.undo_label_step()
    assert catalog.labels(DUPLICATE_SET) == {}
    for r in rows:  # marking never touches a file
        assert project.abspath(catalog.file(r["file_id"]).path).is_file()
