"""Several reject reasons from one labelling pass: one-vs-rest classifiers and the combined clean verdict."""
import csv
import json

import numpy as np
import pytest

from ganime_gui.core.classify.reasons import (ReasonStarted, clean_verdict, describe_clean, evaluate_clean,
                                              latest_reason_group, one_vs_rest_items, read_reason_group,
                                              train_one_vs_rest)
from ganime_gui.core.classify.train import TrainConfig
from ganime_gui.core.jobs import UserError


def _reason(row) -> str:
    """The one label a user gives in a single pass: the first reason that applies, else clean."""
    if int(row["chibi"]):
        return "chibi"
    if int(row["n_characters"]) > 1:
        return "more_than_one"
    if row["background"] == "busy":
        return "flashy_background"
    return "clean"


@pytest.fixture(scope="module")
def reason_items(tmp_path_factory):
    from ganime_gui.fakebooru.figures import write_image_folder

    folder = tmp_path_factory.mktemp("reasons")
    csv_path = write_image_folder(folder, 320, 21, min_height=64, max_height=90, formats=("png",),
                                  chibi_fraction=0.25, two_characters=0.25, busy=0.25, upper_body=0.0,
                                  simple=0.0)
    with open(csv_path, newline="", encoding="utf-8") as f:
        return [(str(folder / r["file"]), _reason(r)) for r in csv.DictReader(f)]


def test_one_vs_rest_relabels_every_other_label_as_the_rest():
    items = [("a", "chibi"), ("b", "clean"), ("c", "more_than_one")]
    assert one_vs_rest_items(items, "chibi") == [("a", "chibi"), ("b", "not_chibi"), ("c", "not_chibi")]


def test_clean_means_no_reason_reaches_its_threshold():
    probs = {"chibi": np.array([0.9, 0.1, 0.1, 0.4]), "more_than_one": np.array([0.1, 0.7, 0.2, 0.4])}
    assert clean_verdict(probs).tolist() == [False, False, True, True]
    assert clean_verdict(probs, {"chibi": 0.3, "more_than_one": 0.5}).tolist() == [False, False, True, False]
    ev = evaluate_clean(["chibi", "more_than_one", "clean", "chibi"], probs)
    assert ev["confusion"] == [[1, 0], [1, 2]]  # rows: true clean / reject; columns: verdict clean / reject
    assert ev["clean_precision"] == 0.5 and ev["clean_recall"] == 1.0
    assert ev["reason_recall"] == {"chibi": 0.5, "more_than_one": 1.0}
    # each reason's own classifier: chibi flags image 0 (a chibi), more_than_one flags image 1 (right)
    assert ev["per_reason"]["chibi"] == {"images": 2, "flagged": 1, "precision": 1.0, "recall": 0.5}
    assert ev["per_reason"]["more_than_one"] == {"images": 1, "flagged": 1, "precision": 1.0, "recall": 1.0}
    low = evaluate_clean(["chibi", "more_than_one", "clean", "chibi"], probs, threshold=0.35)
    assert low["per_reason"]["chibi"] == {"images": 2, "flagged": 2, "precision": 1.0, "recall": 1.0}
    assert low["per_reason"]["more_than_one"]["precision"] == 0.5  # flags image 3, a chibi, too
    with pytest.raises(UserError):
        clean_verdict({})


@pytest.mark.timeout(240)
def test_one_pass_of_labels_trains_every_reason_and_a_clean_verdict(reason_items, tmp_path):
    counts = {label: sum(1 for _, lab in reason_items if lab == label) for _, label in reason_items}
    assert min(counts.values()) >= 40, counts  # every reason and clean are well represented
    events = []
    cfg = TrainConfig(backbone="tiny_cnn", weights=None, input_size=48, batch_size=16, epochs=25)
    result = train_one_vs_rest(reason_items, cfg, models_dir=tmp_path / "models",
                               cache_dir=tmp_path / "cache",
                               label_set="reasons", name_prefix="r",
                               progress=lambda d, t, m="", **e: events.append(e.get("event")))
    assert [e.reason for e in events if isinstance(e, ReasonStarted)] == ["chibi", "flashy_background",
                                                                          "more_than_one"]
    for reason, trained in result.models.items():
        assert trained.metadata["class_names"] == [reason, f"not_{reason}"]
        assert trained.model_path.name == f"r-{reason}.keras"
        assert trained.evaluation["balanced_accuracy"] >= 0.8, (
            reason, trained.evaluation["per_class_recall"])
    held = result.holdout
    assert held["images"] == len(result.holdout_paths) >= 60
    # none of the held-out images was trained or validated on by any reason's classifier
    for trained in result.models.values():
        assert trained.metadata["n_train"] + trained.metadata["n_val"] == len(reason_items) - held["images"]
        reviewed = {i["path"] for i in trained.evaluation["wrong"] + trained.evaluation["least_sure"]}
        assert reviewed and not reviewed & set(result.holdout_paths)
    print(describe_clean(held), {r: t.evaluation["balanced_accuracy"] for r, t in result.models.items()})
    assert held["clean_precision"] >= 0.8 and held["clean_recall"] >= 0.7, held
    assert "Clean verdict on" in describe_clean(held)
    group = read_reason_group(result.group_path)
    assert latest_reason_group(tmp_path / "models")["path"] == result.group_path
    assert set(group["holdout"]["per_reason"]) == set(result.models)
    assert group["models"] == {"chibi": "r-chibi", "flashy_background": "r-flashy_background",
                               "more_than_one": "r-more_than_one"}
    assert json.loads(result.group_path.read_text())["holdout"]["confusion"] == held["confusion"]


def test_without_clean_images_it_says_what_to_label():
    with pytest.raises(UserError, match="No image is labelled 'clean'"):
        train_one_vs_rest([("a", "chibi"), ("b", "more_than_one")], TrainConfig(), models_dir="m",
                          cache_dir="c")
