"""Queues: every filter and order of the Sort tab, on a catalog with generated pictures."""
import pytest

from ganime_gui.core.jobs import UserError
from ganime_gui.core.sorting import QueueSpec, build_queue, next_unlabelled
from ganime_gui.fakebooru.fixtures import attach_post, attach_predictions


def ids(rows):
    return [r.id for r in rows]


def add_model(catalog, predictions: dict[int, list[float]]) -> int:
    return attach_predictions(catalog, "chibi", ["chibi", "not_chibi"], predictions)


def test_unlabelled_and_by_label(sorted_project):
    _, catalog, rows = sorted_project
    all_ids = [r["file_id"] for r in rows]
    catalog.apply_label_changes("chibi", all_ids[:5], "chibi")
    catalog.apply_label_changes("chibi", all_ids[5:7], "not_chibi")
    assert ids(build_queue(catalog, QueueSpec("chibi"))) == all_ids
    assert ids(build_queue(catalog, QueueSpec("chibi", show="unlabelled"))) == all_ids[7:]
    queue = build_queue(catalog, QueueSpec("chibi", show="label", label="not_chibi"))
    assert ids(queue) == all_ids[5:7] and {r.label for r in queue} == {"not_chibi"}
    assert next_unlabelled([r.label for r in build_queue(catalog, QueueSpec("chibi"))], 2) == 7


def test_by_tag_with_exclusions(sorted_project):
    _, catalog, rows = sorted_project
    for i, row in enumerate(rows):
        attach_post(catalog, row["file_id"], 1000 + i, row["tags"].split())
    chibi_ids = [r["file_id"] for r in rows if "chibi" in r["tags"].split()]
    assert chibi_ids  # the generator tags its chibi pictures
    assert ids(build_queue(catalog, QueueSpec("chibi", tags="chibi"))) == chibi_ids
    rest = ids(build_queue(catalog, QueueSpec("chibi", tags="-chibi")))
    assert sorted(rest + chibi_ids) == sorted(r["file_id"] for r in rows)


def test_by_file_size_and_resolution(sorted_project):
    _, catalog, rows = sorted_project
    queue = build_queue(catalog, QueueSpec("chibi", order="size_desc"))
    sizes = [r.size for r in queue]
    assert sizes == sorted(sizes, reverse=True) and len(queue) == len(rows)
    queue = build_queue(catalog, QueueSpec("chibi", order="resolution_asc"))
    pixels = [r.width * r.height for r in queue]
    assert pixels == sorted(pixels)
    big = build_queue(catalog, QueueSpec("chibi", min_side=150))
    assert big and all(min(r.width, r.height) >= 150 for r in big)
    assert len(big) == sum(min(r["width"], r["height"]) >= 150 for r in rows)
    small = build_queue(catalog, QueueSpec("chibi", max_bytes=sizes[len(sizes) // 2]))
    assert small and all(r.size <= sizes[len(sizes) // 2] for r in small)


def test_model_queues_need_predictions(sorted_project):
    _, catalog, _ = sorted_project
    with pytest.raises(UserError, match="classifier"):
        build_queue(catalog, QueueSpec("chibi", order="uncertain"))


def test_most_uncertain_first_and_predicted_class(sorted_project):
    _, catalog, rows = sorted_project
    a, b, c, d = (r["file_id"] for r in rows[:4])
    add_model(catalog, {a: [0.9, 0.1], b: [0.45, 0.55], c: [0.2, 0.8], d: [0.6, 0.4]})
    queue = build_queue(catalog, QueueSpec("chibi", order="uncertain"))
    assert ids(queue) == [b, d, c, a]
    assert ids(build_queue(catalog, QueueSpec("chibi", predicted="chibi"))) == [a, d]


def test_probably_mislabelled_orders_by_disagreement(sorted_project):
    _, catalog, rows = sorted_project
    a, b, c, d = (r["file_id"] for r in rows[:4])
    add_model(catalog, {a: [0.9, 0.1], b: [0.3, 0.7], c: [0.05, 0.95], d: [0.6, 0.4]})
    catalog.apply_label_changes("chibi", [a, b, c], "chibi")  # b and c disagree with the model
    catalog.apply_label_changes("chibi", [d], "not_chibi")    # d disagrees a little
    queue = build_queue(catalog, QueueSpec("chibi", show="mislabelled"))
    assert ids(queue) == [c, b, d]
