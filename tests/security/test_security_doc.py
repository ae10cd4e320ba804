"""Issue 13, definition of done: "docs/security.md lists each rule, the predicate that
enforces it and the test that proves it". This parses that table and checks it against
the code, so it cannot drift: every predicate named exists in ``accounts.permissions``,
every test named exists (file, class, method), and every registered predicate has a row."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.test import SimpleTestCase

from accounts import permissions

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "security.md"
HEADER = "| rule | predicate | test that proves it |"
CODE = re.compile(r"`([^`]+)`")


def rules_table() -> list[tuple[str, list[str], list[str]]]:
    """Return (rule, predicates, tests) for each row of the rules table."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = lines.index(HEADER)
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rule, predicates, tests = cells[0], cells[1], cells[-1]
        rows.append(
            (
                rule,
                [n for n in CODE.findall(predicates) if n.startswith("can_")],
                [n for n in CODE.findall(tests) if n.startswith("tests/")],
            )
        )
    return rows


def reference_exists(reference: str) -> bool:
    """``tests/x.py``, ``tests/x.py::Class`` or ``tests/x.py::Class::test_name``."""
    path, *names = reference.split("::")
    file = ROOT / path
    if not file.is_file():
        return False
    if not names:
        return True
    tree = ast.parse(file.read_text(encoding="utf-8"))
    classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
    if names[0] not in classes:
        return False
    if len(names) == 1:
        return True
    methods = {
        n.name
        for n in classes[names[0]].body
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    return names[1] in methods


class SecurityRulesTableTests(SimpleTestCase):
    def test_docs_security_table_every_row_names_a_predicate_and_a_test(self):
        rows = rules_table()
        self.assertGreater(len(rows), 10)
        for rule, predicates, tests in rows:
            self.assertTrue(predicates, f"no predicate for {rule!r}")
            self.assertTrue(tests, f"no test for {rule!r}")

    def test_docs_security_table_names_only_existing_predicates(self):
        missing = [
            name
            for _rule, predicates, _tests in rules_table()
            for name in predicates
            if not isinstance(getattr(permissions, name, None), permissions.Predicate)
        ]
        self.assertEqual(missing, [], "predicates named in docs/security.md")

    def test_docs_security_table_names_only_existing_tests(self):
        missing = [
            test
            for _rule, _predicates, tests in rules_table()
            for test in tests
            if not reference_exists(test)
        ]
        self.assertEqual(missing, [], "tests named in docs/security.md")

    def test_docs_security_table_has_a_row_for_every_registered_predicate(self):
        named = {name for _r, predicates, _t in rules_table() for name in predicates}
        self.assertEqual(
            sorted(set(permissions.REGISTRY) - named),
            [],
            "predicates without a row in docs/security.md",
        )
