"""Classifier fixtures: labelled synthetic figures (chibi vs not_chibi) made by the project's generator."""
import csv
from pathlib import Path

import pytest

from ganime_gui.fakebooru.figures import write_image_folder


def figure_items(folder: Path, count: int, seed: int) -> list[tuple[str, str]]:
    """(path, label) pairs of single full-body figures, as the seed's tag-filtered crawl gave."""
    csv_path = write_image_folder(folder, count, seed, min_height=64, max_height=90, chibi_fraction=0.5,
                                  two_characters=0.0, busy=0.0, upper_body=0.0)
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [(str(folder / r["file"]), "chibi" if r["chibi"] == "1" else "not_chibi") for r in rows]


@pytest.fixture(scope="session")
def chibi_items(tmp_path_factory) -> list[tuple[str, str]]:
    return figure_items(tmp_path_factory.mktemp("figures"), 400, seed=7)


@pytest.fixture(scope="session")
def small_items(chibi_items) -> list[tuple[str, str]]:
    """A quick subset for mechanics tests (not accuracy)."""
    return chibi_items[:60]


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory, small_items):
    """A tiny model trained for two epochs: enough to exercise Apply and the models folder."""
    from ganime_gui.core.classify.train import TrainConfig, train_classifier

    root = tmp_path_factory.mktemp("trained")
    cfg = TrainConfig(backbone="tiny_cnn", weights=None, input_size=48, epochs=2, batch_size=16)
    return train_classifier(small_items, cfg, models_dir=root / "models", cache_dir=root / "cache",
                            label_set="chibi", model_name="tiny-chibi")
