"""Shared fixtures: the seed index, built once per test session into a temporary folder."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from index.build import open_index
from index.settings import IndexSettings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory) -> IndexSettings:
    return replace(IndexSettings(), seeds=SEEDS,
                   index_path=tmp_path_factory.mktemp("index") / "index.json")


@pytest.fixture(scope="session")
def seed_index(seed_settings):
    index, _ = open_index(seed_settings)
    index.warm()  # as the service does before it connects: compiled, paged in
    return index


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    """A writable copy of the seeds folder, for tests that add or break files."""
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    return folder


from newssite import web  # noqa: E402,F401 - the fake news site, a fixture for every test
