"""Benchmark runs with other data directories never share a PostgreSQL dataset: the test suite
runs scenarios two at a time, and a tiny dataset is dropped when its scenario ends."""

from __future__ import annotations

from pathlib import Path

from benchmarks.config import DATA_DIR
from benchmarks.databases import PREFIX, Target, namespace_of

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _database(data_dir: Path, name: str) -> str:
    target = Target(data_dir, SERVER, namespace_of(data_dir))
    return target.url("postgres", name).rsplit("/", 1)[1]


def test_the_default_data_directory_keeps_its_datasets_names() -> None:
    assert _database(DATA_DIR, "queries_x") == f"{PREFIX}queries_x"


def test_two_other_data_directories_name_the_same_dataset_apart(tmp_path: Path) -> None:
    one, other = _database(tmp_path / "a", "queries_x"), _database(tmp_path / "b", "queries_x")
    assert one != other
    assert one.startswith(PREFIX)
    assert one.endswith("queries_x")
    assert len(one) <= 63  # PostgreSQL's longest name


def test_the_same_data_directory_finds_its_dataset_again(tmp_path: Path) -> None:
    assert _database(tmp_path / "a", "queries_x") == _database(tmp_path / "a", "queries_x")
