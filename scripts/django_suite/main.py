"""Run apps of Django's own test suite against this backend and print the pass table
(scripts/django_suite.sh is the command; docs/testing.md says how to read it).

Each app runs in a runtests.py process of its own (``--parallel 1``: chDB cannot run in a
forked worker), so that an app that hangs or crashes costs only its own row. The exit
status is 1 when a test failed or errored without being declared in
clickhouse_backend/backend/expected_failures.py, or passed while declared to fail.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path

import django
from apps import APPS, CI_APPS
from report import AppRun, markdown_table, rewrite_docs, text_header, text_row, text_total

from clickhouse_backend.backend.expected_failures import SKIPS

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DOCS = REPO / "docs" / "testing.md"
# The sdist holds the tests; a wheel does not.
PIP_DOWNLOAD = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
SETTINGS = {"clickhouse": "settings", "sqlite": "sqlite_settings"}


def suite_tests_dir(suite_dir: Path) -> Path:
    """tests/ of the installed Django's sdist under `suite_dir`, downloaded from PyPI on
    first use. A lock makes a second run wait for the first one's download."""
    tests_dir = suite_dir / f"django-{django.__version__}" / "tests"
    suite_dir.mkdir(parents=True, exist_ok=True)
    with open(suite_dir / ".download.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (tests_dir / "runtests.py").is_file():
            return tests_dir
        print(
            f"Downloading Django {django.__version__}'s source (its test suite) to {suite_dir}..."
        )
        with tempfile.TemporaryDirectory(dir=suite_dir) as tmp:
            subprocess.run(
                [*PIP_DOWNLOAD, f"django=={django.__version__}", "-d", tmp],
                check=True,
            )
            (archive,) = Path(tmp).glob("*.tar.gz")
            with tarfile.open(archive) as tar:
                tar.extractall(tmp, filter="data")
            (runtests,) = Path(tmp).glob("*/tests/runtests.py")
            runtests.parent.parent.rename(tests_dir.parent)
    return tests_dir


def run_app(app: str, database: str, tests_dir: Path, logs: Path, timeout: int) -> AppRun:
    """One app of the suite in its own runtests.py process; its output goes to a log."""
    suffix = "" if database == "clickhouse" else f".{database}"
    log, results = logs / f"{app}{suffix}.log", logs / f"{app}{suffix}.json"
    results.unlink(missing_ok=True)
    env = dict(os.environ, DJANGO_SUITE_RESULTS=str(results))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    command = [sys.executable, "runtests.py", "--settings", SETTINGS[database]]
    command += ["--parallel", "1", "--noinput", "-v", "2", app]
    start = time.monotonic()
    with open(log, "w", encoding="utf-8") as out:
        try:
            process = subprocess.run(
                command,
                cwd=tests_dir,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
            broken = ""
        except subprocess.TimeoutExpired:
            broken = f"timed out after {timeout} s"
    seconds = round(time.monotonic() - start)
    if not broken and not results.is_file():
        broken = f"ended (exit status {process.returncode}) without its tests' outcomes"
    if broken:
        return AppRun(app, seconds, broken=f"{broken}: see {log}")
    report = json.loads(results.read_text(encoding="utf-8"))
    return AppRun(app, seconds, report["tests"], report["messages"], report["class_errors"])


def docs_section(runs: list[AppRun], sqlite: dict[str, AppRun]) -> str:
    day = datetime.now(timezone.utc).date().isoformat()
    return (
        f"Django {django.__version__}, chDB {version('chdb-core')}, {day}; SQLite is Django's own "
        "settings for its suite (`tests/test_sqlite.py`) on the same apps.\n\n"
        + markdown_table(runs, sqlite, set(SKIPS))
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/django_suite.sh",
        description="Run apps of Django's test suite on this backend and print the pass table.",
    )
    parser.add_argument(
        "apps", nargs="*", help=f"apps to run (default: the {len(APPS)} of apps.py)"
    )
    parser.add_argument(
        "--ci", action="store_true", help=f"run the CI subset: {' '.join(CI_APPS)}"
    )
    parser.add_argument(
        "--sqlite", action="store_true", help="also run each app on SQLite, for its pass rate"
    )
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help="run every app on both databases and rewrite the table in docs/testing.md",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="apps run at once, each in its own process (default 1)",
    )
    args = parser.parse_args(argv)
    if args.update_docs and (args.apps or args.ci):
        parser.error("--update-docs runs every app of apps.py: name no apps and no --ci")
    apps = args.apps or (CI_APPS if args.ci else APPS)
    with_sqlite = args.sqlite or args.update_docs

    suite_dir = Path(os.environ.get("DJANGO_SUITE_DIR", "/tmp/django-suite"))
    timeout = int(os.environ.get("DJANGO_SUITE_TIMEOUT", "900"))
    tests_dir = suite_tests_dir(suite_dir)
    logs = suite_dir / "logs"
    logs.mkdir(exist_ok=True)

    def run_both(app: str) -> tuple[AppRun, AppRun | None]:
        other = run_app(app, "sqlite", tests_dir, logs, timeout) if with_sqlite else None
        return run_app(app, "clickhouse", tests_dir, logs, timeout), other

    print(text_header(with_sqlite), flush=True)
    by_app, sqlite = {}, {}
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        # Rows are printed as apps finish; the total and the docs keep the apps' order.
        for future in as_completed(pool.submit(run_both, app) for app in apps):
            run, other = future.result()
            by_app[run.app] = run
            if other is not None:
                sqlite[run.app] = other
            print(text_row(run, other), flush=True)
    runs = [by_app[app] for app in apps]
    if len(runs) > 1:
        print(text_total(runs, sqlite if with_sqlite else None))

    if args.update_docs:
        rewrite_docs(DOCS, docs_section(runs, sqlite))
        print(f"Table written to {DOCS}")
    problems = [line for run in runs for line in run.problems()]
    if problems:
        print(f"\n{len(problems)} unexpected outcome(s) (logs in {logs}):")
        print("\n".join(f"  {line}" for line in problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
