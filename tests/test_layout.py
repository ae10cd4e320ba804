"""The layout rule from docs/architecture.md: platform/ is a folder, not a package."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_platform_folder_is_not_a_package():
    assert not (ROOT / "platform" / "__init__.py").exists()


def test_stdlib_platform_still_imports_from_repo_root():
    out = subprocess.run(
        [sys.executable, "-c", "import platform, uuid; print(platform.system())"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip()


def project_modules() -> list[Path]:
    """Return the project's Python files, migrations and the virtualenv left out."""
    skip = {".venv", "var", "build", "node_modules"}
    return [
        path
        for path in sorted(ROOT.rglob("*.py"))
        if not skip & set(path.relative_to(ROOT).parts)
        and "migrations" not in path.parts
    ]


def test_no_module_imports_another_modules_private_names():
    """A leading underscore means "this module only": another module that needs the
    name makes it public (import-linter checks modules, not names, so this test does)."""
    import ast

    found = []
    for path in project_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    found.append(f"{where} imports {alias.name} from {node.module}")
    assert found == []
