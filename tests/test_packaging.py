"""The release as PyPI would get it: ``python -m build`` makes an sdist and a wheel from
the checkout without deprecation warnings, their metadata says what twine and pip read,
and the wheel, installed on its own, answers a query on the embedded engine.

scripts/release_check.sh does the rest by hand before a release (twine check, a fresh
virtualenv with the [embedded] extra downloaded); here the wheel is installed without
dependencies next to the suite's own, which keeps this test to seconds."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest

import clickhouse_backend

ROOT = Path(__file__).resolve().parent.parent
NAME = f"django_clickhouse_db-{clickhouse_backend.__version__}"


def run(*command: str | Path, cwd: Path = ROOT, env: dict | None = None) -> str:
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    """The dist directory ``python -m build`` wrote, and everything it printed."""
    work = tmp_path_factory.mktemp("release")
    venv.create(work / "tools", with_pip=True)
    tools = work / "tools" / "bin" / "python"
    # pyproject.toml's build-system requires, installed once instead of once for the sdist
    # and once for the wheel; build checks them and names any that does not match.
    run(tools, "-m", "pip", "install", "--quiet", "build", "setuptools>=77")
    output = run(tools, "-m", "build", "--no-isolation", "--outdir", work / "dist", ROOT)
    return work / "dist", output


def wheel_metadata(dist: Path) -> Message:
    with zipfile.ZipFile(dist / f"{NAME}-py3-none-any.whl") as wheel:
        return Parser().parsestr(wheel.read(f"{NAME}.dist-info/METADATA").decode())


def test_the_build_warns_about_nothing_deprecated(built):
    _, output = built
    assert f"Successfully built {NAME}.tar.gz and {NAME}-py3-none-any.whl" in output
    assert "deprecat" not in output.lower(), output


def test_the_wheel_says_its_license_readme_and_extras(built):
    metadata = wheel_metadata(built[0])
    assert metadata["Name"] == "django-clickhouse-db"
    assert metadata["Version"] == clickhouse_backend.__version__
    assert metadata["License-Expression"] == "MIT"
    assert metadata["License-File"] == "LICENSE"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload() == (ROOT / "README.md").read_text()
    assert 'chdb-core>=26.9; extra == "embedded"' in metadata.get_all("Requires-Dist")


def test_the_wheel_holds_every_module_of_the_package_and_nothing_else(built):
    modules = {
        path.relative_to(ROOT).as_posix() for path in (ROOT / "clickhouse_backend").rglob("*.py")
    }
    with zipfile.ZipFile(built[0] / f"{NAME}-py3-none-any.whl") as wheel:
        names = set(wheel.namelist())
    assert {name for name in names if not name.startswith(f"{NAME}.dist-info/")} == modules
    assert f"{NAME}.dist-info/licenses/LICENSE" in names


def test_the_sdist_holds_the_package_docs_and_changelog_but_no_partial_tests(built):
    with tarfile.open(built[0] / f"{NAME}.tar.gz") as sdist:
        names = {name.removeprefix(f"{NAME}/") for name in sdist.getnames()}
    for kept in ("README.md", "LICENSE", "CHANGELOG.md", "pyproject.toml", "docs/index.md"):
        assert kept in names
    assert "clickhouse_backend/driver/__init__.py" in names
    assert not any(name.startswith("tests/") for name in names)


def test_the_installed_wheel_answers_on_the_embedded_engine(built, tmp_path):
    """Installed into a directory of its own (its dependencies are the suite's), imported
    from there and not from the checkout."""
    wheel = built[0] / f"{NAME}-py3-none-any.whl"
    target = tmp_path / "site"
    run(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", target, wheel)
    script = (
        "import clickhouse_backend, importlib.metadata as m\n"
        "from clickhouse_backend import driver\n"
        "cursor = driver.connect(embedded=':memory:').cursor()\n"
        "cursor.execute('SELECT %(a)s + 1', {'a': 41})\n"
        "version = m.version('django-clickhouse-db')\n"
        "print(clickhouse_backend.__file__, version, cursor.fetchone()[0])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    printed = run(sys.executable, "-c", script, cwd=tmp_path, env=env).split()
    assert printed == [
        str(target / "clickhouse_backend" / "__init__.py"),
        clickhouse_backend.__version__,
        "42",
    ]
