"""The habits of the layout that no linter contract states: test modules share helpers through
tests/fixtures/, never by importing one another (import-linter cannot name "every test_*")."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def test_no_test_module_imports_another_or_the_conftest():
    found = {
        path.name: sorted(
            n for n in imported(path) if n.startswith(("tests.test_", "tests.conftest", "test_", "conftest"))
        )
        for path in [*TESTS.glob("test_*.py"), *TESTS.glob("fixtures/*.py")]
    }
    assert {name: bad for name, bad in found.items() if bad} == {}


def test_the_check_sees_such_an_import(tmp_path):
    sample = tmp_path / "test_sample.py"
    sample.write_text("from tests.test_alerts import Inbox\nimport tests.conftest\n", encoding="utf-8")
    assert {"tests.test_alerts", "tests.conftest"} <= imported(sample)
