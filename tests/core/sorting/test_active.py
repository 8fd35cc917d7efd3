"""Learn as I sort: the loop's timing, the quick model, the re-ordered queue, a real round."""
from __future__ import annotations

import numpy as np
import pytest

from ganime_gui.core.catalog.sorting import QueueRow
from ganime_gui.core.jobs import UserError
from ganime_gui.core.sorting import QueueSpec, build_queue
from ganime_gui.core.sorting.active import (UNCERTAIN, LearnConfig, LearnLoop, LearnRound,
                                            held_out, make_learn_job, reorder, surest,
                                            train_round)

CLASSES = ("chibi", "not_chibi")
TINY = LearnConfig(backbone="tiny_cnn", weights=None, input_size=32, every=10)


def test_the_loop_is_due_after_n_new_labels_and_runs_one_round_at_a_time():
    loop = LearnLoop(every=5)
    assert not loop.note_labels(3) and loop.until_next() == 2
    assert loop.note_labels(2)
    loop.start()
    assert loop.running and not loop.note_labels(9)       # labels count on, no second round
    loop.finish(None)
    assert loop.due() and loop.rounds == 0                # the labels meanwhile make it due
    loop.start()
    loop.finish(LearnRound("chibi", CLASSES, {}, 0.9, {}, 10, 40, 0.1, 0))
    assert loop.rounds == 1 and loop.history == [0.9] and not loop.due()


def _blobs(n, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.3
    x = rng.normal(size=(n, 16)).astype(np.float32)
    x[:, 0] += np.where(y, 2.5, -2.5)
    return x, np.where(y, "chibi", "not_chibi")


def test_a_round_measures_on_held_out_labels_and_scores_the_unlabelled():
    x, truth = _blobs(400)
    ids = np.arange(1, 401)
    labels = [t if i < 200 else None for i, t in enumerate(truth)]
    result = train_round(x, ids, labels, CLASSES, LearnConfig(), "chibi")
    hold = held_out(ids[:200], 0.2)
    assert result.held_out == hold.sum() >= 20 and result.trained_on == 200 - hold.sum()
    assert result.balanced_accuracy >= 0.95 and set(result.recall) == set(CLASSES)
    assert set(result.scores) == set(ids[200:].tolist())
    right = sum((result.scores[int(i)][0] > 0.5) == (t == "chibi")
                for i, t in zip(ids[200:], truth[200:]))
    assert right / 200 >= 0.95
    # The same files are held out every round (by id), whatever else was labelled.
    assert (held_out(ids[:200], 0.2) == hold).all()


def test_a_round_needs_two_classes_and_says_so():
    x, _ = _blobs(20)
    with pytest.raises(UserError, match="two classes"):
        train_round(x, np.arange(20), ["chibi"] * 5 + [None] * 15, CLASSES, LearnConfig(), "chibi")


def _row(i, label=None):
    return QueueRow(i, f"images/{i}.png", f"{i:032x}", 1, 1, 1, label)


def test_reorder_keeps_the_persons_place_and_orders_what_lies_ahead():
    rows = [_row(i) for i in range(1, 9)]
    scores = {i: (p, 1 - p) for i, p in zip(range(1, 9), (0.5, 0.9, 0.1, 0.52, 0.95, 0.3, 0.6, 0.05))}
    result = LearnRound("chibi", CLASSES, scores, None, {}, 0, 0, 0.0, 0)
    new = reorder(rows, 2, labelled={7}, result=result, order=UNCERTAIN)
    assert [r.id for r in new[:2]] == [1, 2]                    # seen: where they were
    assert [r.id for r in new[2:]] == [4, 6, 3, 5, 8, 7]        # margin, then the labelled one
    new = reorder(rows, 2, labelled=set(), result=result, order=surest("not_chibi"))
    assert [r.id for r in new[2:]] == [8, 3, 6, 4, 7, 5]
    # A class the model has no label of yet: it has no opinion, the order stays.
    new = reorder(rows, 2, labelled=set(), result=result, order=surest("weird_viewpoint"))
    assert [r.id for r in new] == list(range(1, 9))


def test_the_loop_retrains_after_n_labels_and_the_queue_order_changes(sorted_project):
    """A real round on the project's pictures: tiny frozen backbone, features cached."""
    project, catalog, rows = sorted_project
    loop = LearnLoop(every=TINY.every)
    queue = build_queue(catalog, QueueSpec("chibi"))
    before = [r.id for r in queue]
    truth = {r["file_id"]: "chibi" if r["chibi"] else "not_chibi" for r in rows}
    due = False
    for r in queue[:12]:
        catalog.apply_label_changes("chibi", [r.id], truth[r.id])
        due = loop.note_labels(1)
        if due:
            break
    assert due and loop.new_labels == TINY.every
    assert len(set(catalog.labels("chibi").values())) == 2
    loop.start()
    result = make_learn_job(project, "chibi", TINY)(lambda *a, **k: None, lambda: False)
    loop.finish(result)
    assert loop.rounds == 1 and result.computed_features > 0
    unlabelled = {r.id for r in build_queue(catalog, QueueSpec("chibi", show="unlabelled"))}
    assert set(result.scores) == unlabelled
    # The scores are the label set's newest predictions: model filters and the funnel see them.
    model_id, classes = catalog.latest_model_for("chibi")
    assert classes == CLASSES
    said_chibi = {r.id for r in build_queue(catalog, QueueSpec("chibi", predicted="chibi"))}
    assert said_chibi == {i for i, p in result.scores.items() if p[0] > p[1]}
    stored = catalog.db.scalar("SELECT COUNT(*) FROM predictions WHERE model_id = ?", (model_id,))
    assert stored == len(unlabelled)
    queue = build_queue(catalog, QueueSpec("chibi"))
    labelled = set(catalog.labels("chibi"))
    new = reorder(queue, 3, labelled, result, UNCERTAIN)
    assert [r.id for r in new[:3]] == before[:3] and [r.id for r in new] != before
    assert sorted(r.id for r in new) == sorted(before)
    again = make_learn_job(project, "chibi", TINY)(lambda *a, **k: None, lambda: False)
    assert again.computed_features == 0                     # the second round reads the cache
