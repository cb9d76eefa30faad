"""Every Python block of README.md runs as shown, on the embedded engine.

A block says where it goes by its first line, as a reader needs to know too:

- ``# settings.py``: a project's settings. Each such block becomes the settings of a
  project of its own (after the lines of ``startproject``'s it relies on: BASE_DIR, the
  model blocks' apps in INSTALLED_APPS, USE_TZ), in which the model blocks are migrated
  and the shell blocks run.
- ``# <app>/models.py``: the models of app <app>; ``makemigrations`` writes its
  migration and ``migrate --database clickhouse`` creates its tables.
- ``# python manage.py shell``: run in that project's shell, in the README's order, in
  one namespace.
- anything else: a script, run on its own with no Django project.

A ``print(...)`` with a comment after it on its line shows what it prints, as a Python
literal (``, in any order`` after it: a list in any order); the test holds it to that.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNNER = Path(__file__).with_name("readme_run.py")
FENCE = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
MODELS = re.compile(r"# (\w+)/models\.py")
SHOWN = re.compile(r"^\s*print\(.*\)  # (.*?)(, in any order)?$")

# The lines of startproject's settings.py that the README's blocks rely on.
SETTINGS_HEAD = """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "readme-test"
INSTALLED_APPS = {apps!r}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

"""
MANAGE = """\
import os
import sys

from django.core.management import execute_from_command_line

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
execute_from_command_line(sys.argv)
"""


@dataclass(frozen=True)
class Block:
    line: int  # of its first line of code in README.md
    code: str

    @property
    def kind(self) -> str:
        first = self.code.splitlines()[0].strip()
        if first == "# settings.py":
            return "settings"
        if MODELS.fullmatch(first):
            return "models"
        if first == "# python manage.py shell":
            return "shell"
        return "script"

    @property
    def app(self) -> str:
        return MODELS.fullmatch(self.code.splitlines()[0].strip()).group(1)


def readme_blocks() -> list[Block]:
    text = (ROOT / "README.md").read_text()
    return [
        Block(text.count("\n", 0, match.start(1)) + 1, match.group(1))
        for match in FENCE.finditer(text)
    ]


BLOCKS = readme_blocks()


def of_kind(kind: str) -> list[Block]:
    return [block for block in BLOCKS if block.kind == kind]


def shown(blocks: list[Block]) -> dict[int, tuple[object, bool]]:
    """What the README says each commented print() shows, by README line: the value, and
    whether it is a list in any order."""
    values = {}
    for block in blocks:
        for offset, line in enumerate(block.code.splitlines()):
            if match := SHOWN.match(line):
                try:
                    values[block.line + offset] = ast.literal_eval(match[1]), bool(match[2])
                except (ValueError, SyntaxError):
                    pytest.fail(
                        f"README.md line {block.line + offset}: the comment after print() "
                        "is not the Python literal it prints"
                    )
    return values


def run(command: list, cwd: Path, blocks: list[Block], stdin: str | None = None) -> None:
    """Runs ``command`` with README_BLOCKS naming ``blocks``; fails with its output, or
    when a print() shows other than the README says."""
    blocks_file = cwd / "blocks.json"
    blocks_file.write_text(json.dumps([[block.line, block.code] for block in blocks]))
    printed_file = cwd / "printed.json"
    environment = {
        **{
            name: value
            for name, value in os.environ.items()
            if name not in ("DJANGO_SETTINGS_MODULE", "CLICKHOUSE_DSN")
        },
        "README_BLOCKS": str(blocks_file),
        "README_PRINTED": str(printed_file),
    }
    done = subprocess.run(
        [sys.executable, *command],
        cwd=cwd,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{' '.join(map(str, command))}:\n{done.stdout}{done.stderr}"
    if not blocks:
        return
    printed = dict(json.loads(printed_file.read_text()))
    for line, (value, any_order) in shown(blocks).items():
        assert line in printed, f"README.md line {line}: this print() did not run"
        actual = ast.literal_eval(printed[line])
        if any_order:
            actual, value = sorted(actual), sorted(value)
        assert actual == value, f"README.md line {line}"


def test_the_readme_has_blocks_of_each_kind():
    """The README's kinds are recognised, so the tests below run them all."""
    assert {block.kind for block in BLOCKS} == {"settings", "models", "shell", "script"}


@pytest.mark.parametrize("block", of_kind("script"), ids=lambda block: f"line{block.line}")
def test_script_block_runs(block, tmp_path):
    run([RUNNER], tmp_path, [block])


@pytest.mark.parametrize("settings", of_kind("settings"), ids=lambda block: f"line{block.line}")
def test_models_and_queries_run_in_a_project_with_these_settings(settings, tmp_path):
    """makemigrations and migrate --database clickhouse for the model blocks, then the
    shell blocks, in a project whose settings.py ends with this block."""
    apps = sorted({block.app for block in of_kind("models")})
    (tmp_path / "settings.py").write_text(SETTINGS_HEAD.format(apps=apps) + settings.code)
    (tmp_path / "manage.py").write_text(MANAGE)
    for app in apps:
        (tmp_path / app / "migrations").mkdir(parents=True)
        (tmp_path / app / "__init__.py").touch()
        (tmp_path / app / "migrations" / "__init__.py").touch()
        models = [block.code for block in of_kind("models") if block.app == app]
        (tmp_path / app / "models.py").write_text("\n\n".join(models))
    manage = [tmp_path / "manage.py"]
    run([*manage, "check", "--fail-level", "WARNING"], tmp_path, [])
    run([*manage, "makemigrations", *apps], tmp_path, [])
    run([*manage, "migrate", "--database", "clickhouse"], tmp_path, [])
    run([*manage, "shell"], tmp_path, of_kind("shell"), stdin=RUNNER.read_text())
