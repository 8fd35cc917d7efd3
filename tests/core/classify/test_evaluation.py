"""Results that tell the truth: balanced accuracy, recall per class, and a model that predicts one class."""
import numpy as np
import pytest

from ganime_gui.core.classify.evaluation import describe, evaluate, from_scratch_note, metrics_from_confusion

NAMES = ["chibi", "not_chibi"]


def _evaluate(labels, predicted):
    probs = np.full((len(labels), 2), 0.1, np.float32)
    probs[np.arange(len(labels)), predicted] = 0.9
    return evaluate(NAMES, [f"{i}.png" for i in range(len(labels))], np.array(labels), probs)


def test_a_model_that_predicts_one_class_is_reported_as_such():
    ev = _evaluate([0] * 6 + [1] * 18, [1] * 24)  # 25% chibi, everything called not_chibi
    assert ev["accuracy"] == pytest.approx(0.75) and ev["balanced_accuracy"] == pytest.approx(0.5)
    assert ev["per_class_recall"] == {"chibi": 0.0, "not_chibi": 1.0}
    assert ev["only_predicts"] == "not_chibi" and ev["only_share"] == pytest.approx(0.75)
    lines = describe(ev)
    assert lines[0] == "Validation accuracy 75.0%  ·  balanced accuracy 50.0%"
    assert lines[1] == "Recall: chibi 0.0%  ·  not_chibi 100.0%"
    assert lines[2].startswith("Predicts not_chibi for everything: 75.0% is the share of that class")
    assert len(ev["wrong"]) == 6 and all(w["true"] == "chibi" for w in ev["wrong"])


def test_a_model_that_tells_the_classes_apart_gets_no_warning():
    ev = _evaluate([0] * 6 + [1] * 18, [0] * 5 + [1] * 19)
    assert ev["only_predicts"] is None and len(describe(ev)) == 2
    assert ev["balanced_accuracy"] == pytest.approx((5 / 6 + 1) / 2)
    assert ev["per_class_precision"]["chibi"] == 1.0


def test_metrics_come_from_the_confusion_matrix_alone_so_old_sidecars_get_them():
    m = metrics_from_confusion([[0, 3], [0, 9]], NAMES)
    assert m["only_predicts"] == "not_chibi" and m["balanced_accuracy"] == 0.5
    assert m["true_counts"] == {"chibi": 3, "not_chibi": 9}
    assert m["predicted_counts"] == {"chibi": 0, "not_chibi": 12}
    # a class with no validation image has no recall and does not count in the balanced accuracy
    recall = metrics_from_confusion([[4, 0], [0, 0]], NAMES)["per_class_recall"]
    assert recall == {"chibi": 1.0, "not_chibi": None}
    assert describe({}) == []


def test_from_scratch_note_only_for_few_labels_without_pretrained_weights():
    assert "needs many more labels" in from_scratch_note("none", 300)
    assert from_scratch_note("imagenet", 300) == "" and from_scratch_note("none", 5000) == ""
