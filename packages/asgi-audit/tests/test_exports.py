"""The audit package's public surface is deliberate, and its imports keep the layering."""

from __future__ import annotations

import ast
from pathlib import Path
from types import ModuleType

import asgi_audit as audit

PACKAGE = Path(audit.__file__).parent


def test_the_public_surface_is_exactly_all_sorted() -> None:
    """Every public name the package binds is in `__all__` (an accidental import fails this),
    and names nothing twice; submodules are reached by their own path, not re-exported."""
    public = sorted(
        name
        for name, value in vars(audit).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    )
    assert sorted(audit.__all__) == public


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_only_the_store_imports_sqlalchemy() -> None:
    outside = [
        path.relative_to(PACKAGE)
        for path in PACKAGE.rglob("*.py")
        if "store" not in path.relative_to(PACKAGE).parts
        and any(name.split(".")[0] in ("sqlalchemy", "alembic") for name in _imports(path))
    ]
    assert outside == []


def test_the_engine_imports_nothing_of_call_manager() -> None:
    foreign = {
        (str(path.relative_to(PACKAGE)), name)
        for path in PACKAGE.rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] == "callmanager"
    }
    assert foreign == set()
