"""Browser tests are exactly the tests under tests/browser: `make test`'s browser runs collect
only that folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_dir import BROWSER_DIR, mark_browser_tests


class _Item:
    """What `mark_browser_tests` reads of a collected test."""

    def __init__(self, path: Path, marks: tuple[str, ...] = ()) -> None:
        self.path = path
        self.nodeid = str(path)
        self.marks = set(marks)

    def add_marker(self, mark: pytest.MarkDecorator) -> None:
        self.marks.add(mark.name)

    def get_closest_marker(self, name: str) -> object | None:
        return name if name in self.marks else None


def test_every_test_under_tests_browser_is_marked_browser() -> None:
    inside = _Item(BROWSER_DIR / "test_groups.py")
    outside = _Item(BROWSER_DIR.parent / "unit" / "test_x.py")
    mark_browser_tests([inside, outside])  # type: ignore[list-item]
    assert inside.marks == {"browser"}
    assert outside.marks == set()


def test_a_browser_test_outside_tests_browser_is_refused_at_collection() -> None:
    stray = _Item(BROWSER_DIR.parent / "integration" / "test_page.py", ("browser",))
    with pytest.raises(pytest.UsageError, match="test_page"):
        mark_browser_tests([stray])  # type: ignore[list-item]
