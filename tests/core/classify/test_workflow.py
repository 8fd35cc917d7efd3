"""The project-level jobs: catalog labels -> model -> predictions -> the Sort tab's queues."""
import numpy as np
import pytest

from ganime_gui.core.classify.train import TrainConfig
from ganime_gui.core.classify.workflow import (delete_project_model, make_project_apply_job,
                                               make_project_train_job, rename_project_model)
from ganime_gui.core.jobs import UserError, never_cancelled, no_progress
from ganime_gui.fakebooru.fixtures import labelled_figure_project
from ganime_gui.core.sorting.queue import QueueSpec, build_queue


@pytest.fixture
def labelled_project(tmp_path):
    return labelled_figure_project(tmp_path, 70, 5, labelled=50)


def _run(job):
    return job(no_progress, never_cancelled)


def test_train_then_apply_writes_predictions_the_sort_queues_use(labelled_project):
    project, rows = labelled_project
    cfg = TrainConfig(backbone="tiny_cnn", weights=None, input_size=48, epochs=2, batch_size=16)
    result = _run(make_project_train_job(project, "chibi", cfg, model_name="chibi-tiny"))
    assert result.model_path == project.models_dir / "chibi-tiny.keras"
    with project.open_catalog() as catalog:
        record = catalog.model_record("chibi-tiny")
        assert record.classes == ("chibi", "not_chibi") and record.label_set == "chibi"
        assert [r.state for r in catalog.runs("classifier")] == ["done"]

    outcome = _run(make_project_apply_job(project, "chibi-tiny", unlabelled_only=True))
    assert outcome.stored == 20 and len(outcome.result.paths) == 20  # the 20 without a label
    outcome = _run(make_project_apply_job(project, "chibi-tiny"))
    assert outcome.stored == 70
    with project.open_catalog() as catalog:
        scores = catalog.predictions_of(outcome.model_id)
        assert len(scores) == 70 and all(abs(sum(s) - 1) < 1e-4 for s in scores.values())
        queue = build_queue(catalog, QueueSpec(label_set="chibi", order="uncertain"))
        margins = [abs(r.scores[0] - r.scores[1]) for r in queue]
        assert len(queue) == 70 and margins == sorted(margins)  # most uncertain first
        by_id = {r["file_id"]: r for r in rows}
        stored = np.array([scores[r.id] for r in queue])
        applied = dict(zip(outcome.result.paths, outcome.result.probabilities))
        expected = np.array([applied[str(project.abspath(r.path))] for r in queue])
        np.testing.assert_allclose(stored, expected, atol=1e-5)
        assert set(by_id) == {r.id for r in queue}

    info = rename_project_model(project, "chibi-tiny", "chibi-final")
    with project.open_catalog() as catalog:
        assert catalog.model_record("chibi-final").path == "models/chibi-final.keras"
        assert len(catalog.predictions_of(catalog.model_record("chibi-final").id)) == 70
    delete_project_model(project, info.name)
    with project.open_catalog() as catalog:
        assert catalog.model_record("chibi-final") is None
        assert catalog.label_counts("chibi") == {"chibi": sum(r["chibi"] == 1 for r in rows[:50]),
                                                 "not_chibi": sum(r["chibi"] == 0 for r in rows[:50])}
    assert not any(project.models_dir.iterdir())


def test_training_without_two_labelled_classes_is_a_user_error(labelled_project):
    project, _ = labelled_project
    with pytest.raises(UserError, match="at least two classes of “quality”"):
        _run(make_project_train_job(project, "quality", TrainConfig(backbone="tiny_cnn", weights=None)))
    with pytest.raises(UserError, match="no label set named"):
        _run(make_project_train_job(project, "nope", TrainConfig(backbone="tiny_cnn", weights=None)))
