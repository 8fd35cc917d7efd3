from ganime_gui.core.sorting import PaceMeter, majority_label, plan_page_fill
from ganime_gui.core.sorting.page import fill_page

CLASSES = ("chibi", "not_chibi")


def test_unlabelled_get_the_page_label_and_marked_get_the_other_class():
    plan = plan_page_fill(dict.fromkeys([1, 2, 3, 4, 5]), marked={2, 4}, fill_label="not_chibi",
                          classes=CLASSES)
    assert plan == {1: "not_chibi", 2: "chibi", 3: "not_chibi", 4: "chibi", 5: "not_chibi"}


def test_labelled_images_keep_their_label_unless_a_relabel_is_asked():
    page = {1: None, 2: "chibi", 3: None, 4: "chibi"}
    assert plan_page_fill(page, marked={3, 4}, fill_label="not_chibi", classes=CLASSES) == \
        {1: "not_chibi", 3: "chibi"}
    assert plan_page_fill(page, marked={3}, fill_label="not_chibi", classes=CLASSES,
                          relabel=True) == {1: "not_chibi", 2: "not_chibi", 3: "chibi",
                                            4: "not_chibi"}


def test_multi_class_marks_stay_unlabelled():
    plan = plan_page_fill({1: None, 2: None, 3: "c", 4: None}, marked={2}, fill_label="a",
                          classes=("a", "b", "c"))
    assert plan == {1: "a", 4: "a"}


def test_fill_page_reads_the_catalogs_labels_not_the_callers(tmp_path):
    from ganime_gui.core.catalog import Catalog
    with Catalog(tmp_path / "c.sqlite") as catalog:
        catalog.ensure_default_label_sets()
        ids = [catalog.add_file(f"images/{i}.png", f"{i:032x}", 10) for i in range(4)]
        catalog.apply_label_changes("chibi", ids[:1], "chibi")
        step = fill_page(catalog, "chibi", ids, {ids[2]}, "not_chibi")
        assert catalog.labels("chibi") == {ids[0]: "chibi", ids[1]: "not_chibi",
                                           ids[2]: "chibi", ids[3]: "not_chibi"}
        assert len(step.changes) == 3
        assert fill_page(catalog, "chibi", ids, set(), "not_chibi") is None   # nothing left


def test_majority_label_is_the_most_common_class_first_on_ties():
    assert majority_label({"chibi": 3, "not_chibi": 9}, CLASSES) == "not_chibi"
    assert majority_label({}, CLASSES) == "chibi"


def test_pace_counts_images_per_minute_this_sitting():
    now = [100.0]
    pace = PaceMeter(clock=lambda: now[0])
    assert pace.per_minute() == 0.0
    pace.record(1)
    now[0] += 60.0
    pace.record(29)
    assert pace.per_minute() == 30.0
