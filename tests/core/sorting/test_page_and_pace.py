from ganime_gui.core.sorting import PaceMeter, majority_label, plan_page_fill

CLASSES = ("chibi", "not_chibi")


def test_unmarked_get_the_majority_and_marked_get_the_other_class():
    plan = plan_page_fill([1, 2, 3, 4, 5], marked={2, 4}, labelled_here={},
                          fill_label="not_chibi", classes=CLASSES)
    assert plan == {1: "not_chibi", 2: "chibi", 3: "not_chibi", 4: "chibi", 5: "not_chibi"}


def test_labels_given_on_the_page_win_and_multi_class_marks_stay_unlabelled():
    classes = ("a", "b", "c")
    plan = plan_page_fill([1, 2, 3, 4], marked={2}, labelled_here={3: "c"}, fill_label="a",
                          classes=classes)
    assert plan == {1: "a", 3: "c", 4: "a"}


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
