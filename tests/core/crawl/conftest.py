"""Fixtures for the crawler tests."""
from __future__ import annotations

import pytest

from ganime_gui.core.project import Project


@pytest.fixture
def project(tmp_path) -> Project:
    return Project.create(tmp_path / "project")
