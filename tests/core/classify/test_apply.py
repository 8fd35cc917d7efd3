import os

import numpy as np
import pytest
from PIL import Image

from ganime_gui.core.classify.apply import (UNSURE_FOLDER, apply_classifier, assign_classes, make_apply_job,
                                            near_threshold, predict_one_by_one, split_into_folders)
from ganime_gui.core.classify.models import (delete_model, find_model, list_models, load_keras_model,
                                             rename_model)
from ganime_gui.core.jobs import JobCancelled, UserError


def test_apply_scores_every_readable_image_and_lists_the_rest(trained_model, small_items, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    paths = [p for p, _ in small_items[:37]] + [str(bad)]
    seen = []
    job = make_apply_job(trained_model.model_path.stem, paths, models_dir=trained_model.model_path.parent,
                         batch_size=8)
    result = job(lambda d, t, m="", **e: seen.append((d, t)), lambda: False)
    assert result.failed == [str(bad)]
    assert result.paths == paths[:37] and result.probabilities.shape == (37, 2)
    assert result.class_names == ["chibi", "not_chibi"] and result.model_name == "tiny-chibi"
    assert np.allclose(result.probabilities.sum(1), 1, atol=1e-5)
    assert seen[-1] == (38, 38) and len(seen) == 1 + 5  # start + one per batch of 8
    # the same numbers as the model's own predict, one image at a time (the seed's way)
    net = load_keras_model(trained_model.model_path)
    np.testing.assert_allclose(result.probabilities[:10], predict_one_by_one(net, paths[:10], 48), atol=1e-5)
    assert set(result.scores()) == set(paths[:37])


def test_apply_can_be_stopped(trained_model, small_items):
    with pytest.raises(JobCancelled):
        apply_classifier(trained_model.model_path, [p for p, _ in small_items], batch_size=4,
                         cancelled=lambda: True)


def test_apply_on_nothing(trained_model):
    result = apply_classifier(trained_model.model_path, [])
    assert result.paths == [] and result.probabilities.shape == (0, 2)


def test_assign_classes_binary_and_multiclass():
    probs = np.array([[0.9, 0.1], [0.55, 0.45], [0.2, 0.8]])
    assert assign_classes(probs, ["chibi", "not_chibi"], 0.5) == ["chibi", "chibi", "not_chibi"]
    assert assign_classes(probs, ["chibi", "not_chibi"], 0.6) == ["chibi", "not_chibi", "not_chibi"]
    assert assign_classes(probs, ["chibi", "not_chibi"], 0.7, positive_class="not_chibi") == \
        ["chibi", "chibi", "not_chibi"]
    three = np.array([[0.5, 0.3, 0.2], [0.9, 0.05, 0.05]])
    assert assign_classes(three, ["a", "b", "c"], 0.6) == [UNSURE_FOLDER, "a"]


def test_near_threshold_orders_by_distance():
    probs = np.array([[0.9, 0.1], [0.52, 0.48], [0.3, 0.7], [0.45, 0.55]])
    near = near_threshold(["a", "b", "c", "d"], probs, ["x", "y"], 0.5, count=3)
    assert [p for p, _ in near] == ["b", "d", "c"]
    assert near[0][1] == pytest.approx(0.52)


def _pngs(folder, count, mode=None) -> list[str]:
    folder.mkdir()
    paths = []
    for i in range(count):
        p = folder / f"{i}.png"
        Image.new("RGB", (4, 4), (i, 0, 0)).save(p)
        if mode is not None:
            os.chmod(p, mode)
        paths.append(str(p))
    return paths


@pytest.mark.parametrize("link", [False, True])
def test_split_into_folders_copies_or_links_and_never_deletes(tmp_path, link):
    paths = _pngs(tmp_path / "src", 4)
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.1, 0.9]])
    out = tmp_path / "out"
    (out / "not_chibi").mkdir(parents=True)
    (out / "not_chibi" / "3.png").write_bytes(b"already here")
    counts = split_into_folders(paths, probs, ["chibi", "not_chibi"], out, threshold=0.5, link=link)
    assert counts == {"chibi": 2, "not_chibi": 1, "already there": 1}
    assert sorted(os.listdir(out / "chibi")) == ["0.png", "1.png"]
    assert (out / "not_chibi" / "3.png").read_bytes() == b"already here"  # not overwritten
    assert all(os.path.exists(p) for p in paths)  # sources untouched
    assert os.path.samefile(out / "chibi" / "0.png", paths[0]) == link
    with pytest.raises(UserError):
        split_into_folders(paths, probs, ["chibi", "not_chibi"], out, threshold=1.5)


def test_models_folder_list_rename_delete(trained_model, tmp_path):
    import shutil

    models = tmp_path / "models"
    shutil.copytree(trained_model.model_path.parent, models)
    infos = list_models(models)
    assert [i.name for i in infos] == ["tiny-chibi"]
    assert infos[0].class_names == ["chibi", "not_chibi"] and infos[0].input_size == 48
    assert infos[0].label_set == "chibi" and "tiny_cnn" in infos[0].summary()
    renamed = rename_model(models, "tiny-chibi", "chibi v2")
    assert renamed.meta["name"] == "chibi v2" and renamed.path.name == "chibi v2.keras"
    assert not (models / "tiny-chibi.json").exists() and (models / "chibi v2.json").exists()
    assert load_keras_model(renamed.path).output_shape == (None, 2)
    with pytest.raises(UserError, match="cannot be a model name"):
        rename_model(models, "chibi v2", "../escape")
    with pytest.raises(UserError, match="No model named"):
        find_model(models, "tiny-chibi")
    delete_model(models, "chibi v2")
    assert list_models(models) == [] and not any(models.iterdir())


def test_a_copy_stopped_midway_leaves_no_half_image_and_copies_get_the_umask_mode(tmp_path, monkeypatch):
    import shutil

    from ganime_gui.core.fsutil import file_mode

    src = tmp_path / "src"
    paths = _pngs(src, 2, mode=0o600)  # e.g. downloads kept private: the copies still get the umask's mode
    probs = np.array([[0.9, 0.1], [0.1, 0.9]])
    out = tmp_path / "out"
    real_copy = shutil.copy2

    def copy_then_die(a, b):
        with open(b, "wb") as f:
            f.write(b"\x89PNG half")
        raise KeyboardInterrupt  # the process is stopped in the middle of the copy

    monkeypatch.setattr(shutil, "copy2", copy_then_die)
    with pytest.raises(KeyboardInterrupt):
        split_into_folders(paths, probs, ["chibi", "not_chibi"], out, threshold=0.5)
    assert os.listdir(out / "chibi") == []  # neither the half image nor a temporary file
    monkeypatch.setattr(shutil, "copy2", real_copy)
    counts = split_into_folders(paths, probs, ["chibi", "not_chibi"], out, threshold=0.5)
    assert counts == {"chibi": 1, "not_chibi": 1}  # copied now, not counted 'already there'
    copy = out / "chibi" / "0.png"
    assert copy.read_bytes() == (src / "0.png").read_bytes()
    assert copy.stat().st_mode & 0o777 == file_mode()


def test_feature_cache_entries_are_written_whole_with_the_umask_mode(tmp_path, monkeypatch):
    from ganime_gui.core.classify.features import FeatureCache
    from ganime_gui.core.fsutil import file_mode

    cache = FeatureCache(tmp_path / "cache", "key")
    cache.save("abc", np.ones(3, np.float32))
    assert cache.load("abc").tolist() == [1.0, 1.0, 1.0]
    assert cache.path_for("abc").stat().st_mode & 0o777 == file_mode()  # was mkstemp's 0600

    def fail(*args, **kwargs):
        raise OSError("disk trouble")

    monkeypatch.setattr(np, "save", fail)
    with pytest.raises(OSError):
        cache.save("def", np.ones(3, np.float32))
    assert sorted(p.name for p in cache.dir.iterdir()) == ["abc.npy"] and cache.count() == 1


def test_the_models_list_skips_the_temporary_file_of_a_save_under_way(trained_model, tmp_path):
    import shutil

    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(trained_model.model_path, models / "m.keras")
    shutil.copy(trained_model.model_path.with_suffix(".json"), models / "m.json")
    (models / ".m.x1y2.keras").write_bytes(b"a save under way")
    assert [m.name for m in list_models(models)] == ["m"]
