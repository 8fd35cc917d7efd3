"""A small project with generated pictures in its catalog, shared by the sorting tests."""
from __future__ import annotations

import pytest

from ganime_gui.core.project import Project
from ganime_gui.fakebooru.fixtures import catalog_generated
from ganime_gui.fakebooru.figures import write_image_folder


@pytest.fixture(scope="session")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("generated")
    csv_path = write_image_folder(out, 36, seed=7, min_height=300, max_height=420,
                                  formats=("png", "jpg", "gif"), near_duplicates=6)
    return out, csv_path


@pytest.fixture
def sorted_project(tmp_path, generated):
    """(project, catalog, ground-truth rows with file_id) for 36 pictures, 6 near-duplicates."""
    project = Project.create(tmp_path / "proj")
    catalog = project.open_catalog()
    rows = catalog_generated(project, catalog, *generated)
    yield project, catalog, rows
    catalog.close()
