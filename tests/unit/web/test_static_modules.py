"""The UI's ES modules as files: every one is reached from a page, each stays small, and none
writes HTML from strings."""

from __future__ import annotations

import re
from pathlib import Path

from callmanager.web.routes import STATIC_DIR, WEB_DIR

JS_DIR = STATIC_DIR / "js"
MAX_LINES = 200
# A template's script (a module, or a classic script such as /docs' api_docs.js), and any relative
# module specifier quoted in a module (static imports, and the paths app.js hands to import()).
SCRIPT_SRC = re.compile(r'<script[^>]*\bsrc="/static/(js/[\w/.-]+\.js)"')
SPECIFIER = re.compile(r"""["'](\.{1,2}/[\w/.-]+\.js)["']""")


def modules() -> list[Path]:
    return sorted(JS_DIR.rglob("*.js"))


def reachable() -> set[Path]:
    """The modules a browser can load: the templates' scripts and what they import, transitively."""
    templates = (WEB_DIR / "templates").glob("*.html")
    todo = [STATIC_DIR / src for t in templates for src in SCRIPT_SRC.findall(t.read_text())]
    seen: set[Path] = set()
    while todo:
        module = todo.pop().resolve()
        if module in seen:
            continue
        seen.add(module)
        text = module.read_text()
        todo.extend(module.parent / spec for spec in SPECIFIER.findall(text))
    return seen


def test_every_ui_module_is_loaded_by_some_page() -> None:
    unused = [str(m.relative_to(JS_DIR)) for m in modules() if m.resolve() not in reachable()]
    assert unused == []


def test_every_imported_module_exists() -> None:
    missing = [str(m) for m in reachable() if not m.is_file()]
    assert missing == []


def test_no_ui_module_is_longer_than_200_lines() -> None:
    lengths = {str(m.relative_to(JS_DIR)): len(m.read_text().splitlines()) for m in modules()}
    assert {name: n for name, n in lengths.items() if n > MAX_LINES} == {}


def test_every_ui_module_opens_with_a_comment_saying_its_job() -> None:
    silent = [str(m.relative_to(JS_DIR)) for m in modules() if not m.read_text().startswith("// ")]
    assert silent == []


def test_no_ui_module_writes_html_from_strings() -> None:
    writers = [
        str(m.relative_to(JS_DIR))
        for m in modules()
        if re.search(r"innerHTML|outerHTML\s*=|insertAdjacentHTML|document\.write", m.read_text())
    ]
    assert writers == []
