"""Shared by the fake booru tests."""
import pytest
import requests


@pytest.fixture(scope="module")
def http():
    """One keep-alive HTTP session per test module."""
    with requests.Session() as s:
        yield s
