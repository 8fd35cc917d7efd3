import json
import shutil

import numpy as np
import pytest
from PIL import Image

from ganime_gui.core.classify.models import load_keras_model
from ganime_gui.core.classify.train import BatchEnd, EarlyStop, EpochEnd, TrainConfig, train_classifier
from ganime_gui.core.jobs import JobCancelled


def _predict(model_path, paths, size):
    from ganime_gui.core.classify.data import load_image_batch

    pixels, ok = load_image_batch(paths, size)
    assert ok.all()
    return np.asarray(load_keras_model(model_path).predict_on_batch(pixels.astype(np.float32)))


@pytest.mark.timeout(240)
def test_tiny_cnn_from_scratch_learns_chibi_vs_not_chibi(chibi_items, tmp_path):
    batches, epochs = [], []

    def progress(done, total, message="", **extra):
        event = extra.get("event")
        if isinstance(event, BatchEnd):
            batches.append(event)
        elif isinstance(event, EpochEnd):
            epochs.append(event)

    cfg = TrainConfig(backbone="tiny_cnn", weights=None, input_size=64, epochs=15, batch_size=16, seed=0,
                      early_stopping_patience=0)
    result = train_classifier(chibi_items, cfg, models_dir=tmp_path / "models", cache_dir=tmp_path / "cache",
                              label_set="chibi", progress=progress)
    assert result.metadata["val_accuracy"] >= 0.95, result.history
    # the saved model is the best epoch: its own predictions on the validation set agree
    ev = result.evaluation
    assert ev["accuracy"] == pytest.approx(result.metadata["val_accuracy"])
    assert np.sum(ev["confusion"]) == result.metadata["n_val"] == 80
    assert set(ev["per_class_accuracy"]) == {"chibi", "not_chibi"}
    assert len(batches) == 15 * 20 and len(epochs) == 15  # 320 training images / 16 per batch
    assert all(0 <= b.accuracy <= 1 and b.loss >= 0 for b in batches)
    assert batches[-1].eta_s == pytest.approx(0, abs=1e-6)
    meta = json.loads(result.model_path.with_suffix(".json").read_text())
    assert meta["class_names"] == ["chibi", "not_chibi"] and meta["input_size"] == 64
    assert meta["backbone"] == "tiny_cnn" and meta["label_set"] == "chibi" and meta["created"]
    val_paths = [i["path"] for i in ev["wrong"] + ev["least_sure"]][:8]
    probs = _predict(result.model_path, val_paths, 64)
    recorded = [i["probabilities"] for i in (ev["wrong"] + ev["least_sure"])[:8]]
    np.testing.assert_allclose(probs, recorded, atol=1e-4)


@pytest.mark.parametrize("dtype, epochs, atol", [("float32", 3, 1e-5), ("float16", 1, 0.02)])
def test_feature_cache_training_matches_end_to_end(small_items, tmp_path, monkeypatch, dtype, epochs, atol):
    """Same initial weights, same batches: training on cached features trains the same model.

    With float32 features the two paths agree exactly; the float16 the cache stores rounds by ~1e-3,
    which small batches with batch norm amplify a little per epoch.
    """
    from ganime_gui.core.classify import features

    monkeypatch.setattr(features, "FEATURE_DTYPE", np.dtype(dtype))
    common = dict(backbone="tiny_cnn", weights=None, input_size=48, frozen_layers=5, epochs=epochs,
                  batch_size=8,
                  dropout=0.0, flip_augment=False, seed=11)
    runs = {}
    for cached in (True, False):
        cfg = TrainConfig(use_feature_cache=cached, **common)
        runs[cached] = train_classifier(small_items, cfg, models_dir=tmp_path / f"m{cached}",
                                        cache_dir=tmp_path / "cache", model_name="m")
    assert runs[True].metadata["feature_cache"] and not runs[False].metadata["feature_cache"]
    assert runs[True].metadata["features"]["computed"] == len(small_items)
    assert np.load(next((tmp_path / "cache" / "features").glob("*/*.npy"))).dtype == np.dtype(dtype)
    paths = [p for p, _ in small_items[:20]]
    a = _predict(runs[True].model_path, paths, 48)
    b = _predict(runs[False].model_path, paths, 48)
    np.testing.assert_allclose(a, b, atol=atol)
    assert not np.allclose(a, a.mean(0), atol=1e-3)  # the models do depend on the input


def test_retraining_computes_only_new_images(small_items, tmp_path):
    cfg = TrainConfig(backbone="tiny_cnn", weights=None, input_size=48, frozen_layers=5, epochs=1,
                      batch_size=16)
    first = train_classifier(small_items[:40], cfg, models_dir=tmp_path / "m", cache_dir=tmp_path / "c")
    again = train_classifier(small_items[:50], cfg, models_dir=tmp_path / "m", cache_dir=tmp_path / "c")
    assert first.metadata["features"] == {**first.metadata["features"], "cached": 0, "computed": 40}
    assert again.metadata["features"]["cached"] == 40 and again.metadata["features"]["computed"] == 10
    # a copy of an image under another name has the same content hash: no new computation
    copy = tmp_path / "copy.png"
    shutil.copy(small_items[0][0], copy)
    third = train_classifier(small_items[:50] + [(str(copy), small_items[0][1])], cfg,
                             models_dir=tmp_path / "m",
                             cache_dir=tmp_path / "c")
    assert third.metadata["features"]["computed"] == 0


@pytest.mark.parametrize("stop_at_batch", [3, 6])
def test_stop_mid_epoch_saves_a_loadable_model(small_items, tmp_path, stop_at_batch):
    calls = {"batches": 0}

    def progress(done, total, message="", **extra):
        if isinstance(extra.get("event"), BatchEnd):
            calls["batches"] += 1

    cfg = TrainConfig(backbone="tiny_cnn", weights=None, input_size=48, epochs=5, batch_size=12)
    # 48 training images / 12 = 4 batches per epoch: batch 3 is in epoch 1, batch 6 in epoch 2
    result = train_classifier(small_items, cfg, models_dir=tmp_path / "m", cache_dir=tmp_path / "c",
                              progress=progress, cancelled=lambda: calls["batches"] >= stop_at_batch)
    assert result.stopped and calls["batches"] == stop_at_batch
    assert len(result.history) == (0 if stop_at_batch == 3 else 1)  # only complete epochs are history
    assert result.metadata["val_accuracy"] is not None
    probs = _predict(result.model_path, [p for p, _ in small_items[:4]], 48)
    assert probs.shape == (4, 2) and np.allclose(probs.sum(1), 1, atol=1e-5)


def test_stop_before_training_starts_raises_cancelled(small_items, tmp_path):
    cfg = TrainConfig(backbone="tiny_cnn", weights=None, input_size=48, frozen_layers=5, epochs=2)
    with pytest.raises(JobCancelled):
        train_classifier(small_items, cfg, models_dir=tmp_path / "m", cache_dir=tmp_path / "c",
                         cancelled=lambda: True)
    assert not list((tmp_path / "m").glob("*.keras"))


@pytest.mark.parametrize("cached", [True, False])
def test_corrupt_image_is_skipped_and_training_goes_on(small_items, tmp_path, cached):
    bad = tmp_path / "broken.jpg"
    good = tmp_path / "good.png"
    Image.new("RGB", (60, 80), "white").save(good)
    bad.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4)  # a JPEG header, then garbage
    items = small_items[:40] + [(str(bad), "chibi"), (str(good), "chibi")]
    cfg = TrainConfig(backbone="tiny_cnn", weights=None, input_size=48, frozen_layers=5 if cached else 0,
                      epochs=1, batch_size=16)
    result = train_classifier(items, cfg, models_dir=tmp_path / "m", cache_dir=tmp_path / "c")
    assert result.skipped == [(str(bad), "unreadable or corrupt image")]
    assert result.metadata["n_train"] + result.metadata["n_val"] == 41
    assert result.model_path.is_file()


def test_early_stopping_stops_when_validation_stalls(small_items, tmp_path):
    events = []
    cfg = TrainConfig(backbone="tiny_cnn", weights=None, input_size=48, epochs=30, batch_size=16,
                      learning_rate=0.0, early_stopping_patience=2)  # lr 0: nothing can improve
    result = train_classifier(small_items, cfg, models_dir=tmp_path / "m", cache_dir=tmp_path / "c",
                              progress=lambda d, t, m="", **e: events.append(e.get("event")))
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert len(result.history) == 3 and len(epochs) == 3 and result.metadata["best_epoch"] == 1
    assert [e for e in events if isinstance(e, EarlyStop)] == [EarlyStop(epoch=3, best_epoch=1, patience=2)]


def test_early_stopping_on_the_validation_loss_is_the_default():
    cfg = TrainConfig()
    assert cfg.early_stopping_patience > 0 and cfg.epochs >= 30  # a ceiling, not the seed's fixed 12


@pytest.mark.timeout(120)
def test_from_scratch_with_the_defaults_learns_the_chibi_split(chibi_items, tmp_path):
    """weights none, nothing else set: nothing frozen, early stopping ends the run, classes balanced."""
    cfg = TrainConfig(backbone="tiny_cnn", weights=None, input_size=48, batch_size=16)
    result = train_classifier(chibi_items[:240], cfg, models_dir=tmp_path / "m", cache_dir=tmp_path / "c",
                              label_set="chibi")
    meta, ev = result.metadata, result.evaluation
    assert meta["frozen_layers"] == 0 and not meta["feature_cache"]
    assert ev["balanced_accuracy"] >= 0.9, (ev["per_class_recall"], result.history)
    assert all(r >= 0.8 for r in ev["per_class_recall"].values()) and ev["only_predicts"] is None
    assert meta["epochs_trained"] < cfg.epochs  # early stopping, not the ceiling, ended it
    assert "Trained from scratch on 240 labelled images" in meta["notes"][0]
