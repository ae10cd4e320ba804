"""The commands shown in the README, CONTRIBUTING.md and docs/ exist as written.

Every command line in their code blocks that can be checked offline is: a `make` target is
dry-run (`make -n`), a management command's arguments are parsed by its own parser (an
unknown option or a missing argument fails), a script or a test path must exist and shell
scripts must parse (`bash -n`). So the docs cannot drift from the code unnoticed.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

from django.core.management import get_commands, load_command_class
from django.core.management.base import CommandError

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [
    ROOT / "README.md",
    ROOT / "CONTRIBUTING.md",
    *sorted((ROOT / "docs").glob("*.md")),
]
BLOCK = re.compile(r"```[a-z]*\n(.*?)```", re.S)


def command_lines() -> list[tuple[str, str]]:
    """Return (where, command) for every command line in the docs' code blocks."""
    found = []
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        for block in BLOCK.finditer(text):
            first_line = text[: block.start()].count("\n") + 2
            lines = block.group(1).replace("\\\n", " ").splitlines()
            for offset, line in enumerate(lines):
                command = line.split("  #")[0].split(" # ")[0].strip()
                if re.match(r"manage\.py\s+\S*\.", command):
                    continue  # a file listing (manage.py  pyproject.toml ...)
                if command.startswith(("make ", "bash ", ".venv/bin/", "manage.py ")):
                    found.append((f"{doc.name}:{first_line + offset}", command))
    return found


def manage_py_args(command: str) -> list[str] | None:
    """Return the arguments after ``manage.py`` (the first of ``a|b``, ``[--x]`` kept)."""
    words = shlex.split(command)
    if "manage.py" not in words:
        return None
    args = words[words.index("manage.py") + 1 :]
    return [arg.strip("[]").split("|")[0] for arg in args]


COMMANDS = command_lines()


def test_the_docs_show_commands():
    assert any(cmd.startswith("make start") for _, cmd in COMMANDS)
    assert any("manage.py import_cases" in cmd for _, cmd in COMMANDS)


@pytest.mark.parametrize(("where", "command"), COMMANDS, ids=[w for w, _ in COMMANDS])
def test_command_in_the_docs_exists_as_written(where, command):
    words = shlex.split(command)
    if words[0] == "make":
        for target in [w for w in words[1:] if w not in ("/", "make")]:
            result = subprocess.run(  # noqa: S603
                ["make", "-n", target],  # noqa: S607
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            assert result.returncode == 0, f"{where}: make {target}: {result.stderr}"
    elif words[0] == "bash":
        script = ROOT / words[1]
        assert script.exists(), f"{where}: no {words[1]}"
        subprocess.run(["bash", "-n", str(script)], check=True)  # noqa: S603, S607
    elif (args := manage_py_args(command)) is not None:
        name, options = args[0], args[1:]
        app = get_commands().get(name)
        assert app is not None, f"{where}: no management command {name}"
        parser = load_command_class(app, name).create_parser("manage.py", name)
        try:
            parser.parse_args(options)
        except CommandError as error:
            pytest.fail(f"{where}: {command}: {error}")
    elif words[:3] == [".venv/bin/python", "-m", "pytest"]:
        for path in [w for w in words[3:] if not w.startswith("-")]:
            assert (ROOT / path).exists(), f"{where}: no {path}"
    else:  # .venv/bin/python some/script.py ...
        script = next(w for w in words[1:] if w.endswith(".py"))
        assert (ROOT / script).exists(), f"{where}: no {script}"


PATH_IN_BACKTICKS = re.compile(
    r"`((?:tests|bench|scripts|search|exams|courses|casebank|platform|docs)/"
    r"[A-Za-z0-9_/.-]+\.(?:py|sh|md|json|html|toml))`"
)
# Named in the docs as what must not exist.
MUST_NOT_EXIST = {"platform/__init__.py"}


def test_files_named_in_the_docs_exist():
    missing = [
        f"{doc.name}: {path}"
        for doc in DOCS
        for path in PATH_IN_BACKTICKS.findall(doc.read_text(encoding="utf-8"))
        if path not in MUST_NOT_EXIST and not (ROOT / path).exists()
    ]
    assert missing == []
