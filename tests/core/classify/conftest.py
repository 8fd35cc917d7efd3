"""Classifier fixtures: labelled synthetic figures (chibi vs not_chibi) made by the project's generator."""
import pytest

from ganime_gui.fakebooru.fixtures import chibi_figure_items


@pytest.fixture(scope="session")
def chibi_items(tmp_path_factory) -> list[tuple[str, str]]:
    """400 single full-body figures at 64-90 px, half of them chibi."""
    return chibi_figure_items(tmp_path_factory.mktemp("figures"), 400, seed=7)


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
