"""The funnel's counts match the catalog; spot checks estimate the clean set's precision."""
from __future__ import annotations

import pytest

from ganime_gui.core.jobs import UserError
from ganime_gui.core.sorting import QueueSpec, build_queue
from ganime_gui.fakebooru.fixtures import attach_post, attach_predictions
from ganime_gui.core.sorting.funnel import (SPOT_SET, FunnelSpec, draw_spot_check, funnel,
                                            record_checks, wilson)

SPEC = FunnelSpec("chibi", "not_chibi", tags="-multiple_girls")


def test_wilson_interval_matches_the_textbook_values():
    p, low, high = wilson(45, 50)
    assert p == 0.9 and round(low, 3) == 0.786 and round(high, 3) == 0.957
    assert wilson(10, 10)[1:] == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson(0, 0) is None


@pytest.fixture
def tagged(sorted_project):
    project, catalog, rows = sorted_project
    for i, r in enumerate(rows):
        attach_post(catalog, r["file_id"], 900 + i, r["tags"].split())
    return project, catalog, rows


def test_the_funnel_counts_match_the_catalog(tagged):
    project, catalog, rows = tagged
    solo = [r for r in rows if "multiple_girls" not in r["tags"].split()]
    assert 0 < len(solo) < len(rows)
    ids = [r["file_id"] for r in solo]
    catalog.apply_label_changes("chibi", ids[:4], "not_chibi")
    catalog.apply_label_changes("chibi", ids[4:6], "chibi")
    before = funnel(catalog, SPEC)
    assert (before.crawled, before.on_disk, before.passed_tags) == (len(rows), len(rows), len(solo))
    assert (before.labelled, before.labelled_clean, before.scored, before.model) == (6, 4, 0, None)
    assert before.clean_set == 4 and before.precision is None       # nothing checked yet
    # A model scores every image: even ids clean, odd ones chibi.
    attach_predictions(catalog, "chibi", ["chibi", "not_chibi"],
                       {r["file_id"]: [0.2, 0.8] if r["file_id"] % 2 == 0 else [0.7, 0.3]
                        for r in rows})
    f = funnel(catalog, SPEC)
    unlabelled = ids[6:]
    assert f.scored == len(unlabelled) and f.model is not None
    assert f.predicted_clean == sum(1 for i in unlabelled if i % 2 == 0)
    assert f.clean_set == 4 + f.predicted_clean


def test_a_spot_check_estimates_the_precision_with_an_interval(tagged):
    project, catalog, rows = tagged
    truth = {r["file_id"]: "chibi" if r["chibi"] else "not_chibi" for r in rows}
    solo = {r.id for r in build_queue(catalog, QueueSpec("chibi", tags=SPEC.tags))}
    hand = sorted(solo)[:3]
    catalog.apply_label_changes("chibi", hand, "not_chibi")       # hand labels are in the set too
    attach_predictions(catalog, "chibi", ["chibi", "not_chibi"],
                       {i: [0.1, 0.9] for i in truth})             # a model that says clean always
    sample = draw_spot_check(catalog, SPEC, size=12, seed=3)
    assert len(sample) == 12 and set(sample) <= solo
    # The sample is the app's bookkeeping: not a label set to sort, train or pick a GAN set from.
    assert SPOT_SET not in [ls.name for ls in catalog.label_sets()]
    assert SPOT_SET in [ls.name for ls in catalog.label_sets(bookkeeping=True)]
    shown = [r.id for r in build_queue(catalog, QueueSpec("chibi", show="spot_check"))]
    assert sorted(shown) == sorted(sample)
    assert funnel(catalog, SPEC).checked == 0
    for i in sample:                                               # the person looks again
        catalog.apply_label_changes("chibi", [i], truth[i])
        record_checks(catalog, [i])
    record_checks(catalog, [max(truth) + 1000])                   # not in the sample: ignored
    f = funnel(catalog, SPEC)
    right = sum(1 for i in sample if truth[i] == "not_chibi")
    assert (f.sample, f.checked, f.confirmed) == (12, 12, right)
    assert (f.precision, f.low, f.high) == wilson(right, 12)
    true_precision = sum(1 for i in solo if truth[i] == "not_chibi") / len(solo)
    assert f.low <= true_precision <= f.high
    record_checks(catalog, sample[:2], checked=False)             # labels cleared again
    assert funnel(catalog, SPEC).checked == 10
    again = draw_spot_check(catalog, SPEC, size=5, seed=4)        # a new sample replaces the old
    assert set(catalog.labels(SPOT_SET)) == set(again)


def test_a_spot_check_needs_a_clean_set(tagged):
    _, catalog, _ = tagged
    with pytest.raises(UserError, match="clean set is empty"):
        draw_spot_check(catalog, SPEC)


def test_ganime_funnel_prints_the_stages_and_exports_the_clean_set(tagged, tmp_path, capsys):
    from ganime_gui.cli import main
    project, catalog, rows = tagged
    ids = [r["file_id"] for r in rows]
    catalog.apply_label_changes("chibi", ids[:5], "not_chibi")
    catalog.apply_label_changes("chibi", ids[5:7], "chibi")
    out = tmp_path / "out"
    assert main(["funnel", "--project", str(project.root), "--label-set", "chibi", "--clean",
                 "not_chibi", "--export", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "Labelled by hand" in text and "7 (5 clean)" in text and "Precision: unknown" in text
    assert len(list((out / "clean").iterdir())) == 5
    assert main(["funnel", "--project", str(project.root), "--label-set", "chibi", "--clean",
                 "nope"]) == 2
    assert "no class “nope”" in capsys.readouterr().err
