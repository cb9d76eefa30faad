"""The pass table: counts per app from the outcomes recording.py wrote, as text for the
terminal and as Markdown for docs/testing.md.

A test passes when it ran and succeeded (an unexpected success counts as passed: the
test passed). The pass rate is passed tests out of all collected tests, counting
tests skipped by a class or a module and declared expected failures as not passed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

COLUMNS = (
    ("passed", "passed"),
    ("failed", "failed"),
    ("error", "errors"),
    ("skipped", "skipped"),
    ("expected failure", "expected failures"),
    ("unexpected success", "unexpected successes"),
)
# What fails a run: a test that went wrong without being declared, or that passed while
# declared as an expected failure (its declaration must go).
UNEXPECTED = ("failed", "error", "unexpected success")


@dataclass
class AppRun:
    """One app's run on one database: its tests' outcomes, or why there are none."""

    app: str
    seconds: int
    outcomes: dict[str, str] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    class_errors: list[str] = field(default_factory=list)
    # Why the run gave no outcomes (a timeout, a crash before the tests ran); "" if it did.
    broken: str = ""

    @property
    def counts(self) -> Counter:
        return Counter(self.outcomes.values())

    @property
    def tests(self) -> int:
        return len(self.outcomes)

    @property
    def passed(self) -> int:
        counts = self.counts
        return counts["passed"] + counts["unexpected success"]

    def declared_skips(self, reasons: set[str]) -> int:
        """The skipped tests skipped for one of `reasons` (expected_failures.SKIPS)."""
        return sum(
            outcome == "skipped" and self.messages.get(test_id) in reasons
            for test_id, outcome in self.outcomes.items()
        )

    def problems(self) -> list[str]:
        """Each test that went wrong without being declared, and each class-level error."""
        if self.broken:
            return [f"{self.app}: {self.broken}"]
        lines = [
            f"{outcome}: {test_id}"
            + (f" ({self.messages[test_id]})" if test_id in self.messages else "")
            for test_id, outcome in sorted(self.outcomes.items())
            if outcome in UNEXPECTED
        ]
        return lines + [f"error: {error}" for error in self.class_errors]


def rate(passed: int, tests: int) -> str:
    return f"{100 * passed / tests:.1f}%" if tests else "-"


def _total(runs: list[AppRun]) -> tuple[int, Counter, int]:
    counts = sum((run.counts for run in runs), Counter())
    return sum(run.tests for run in runs), counts, sum(run.passed for run in runs)


def text_header(with_sqlite: bool) -> str:
    """The first line of the table printed while the apps run, one row each."""
    names = ["tests", "passed", "failed", "errors", "skip", "xfail", "xpass", "pass"]
    header = f"{'app':<20} " + " ".join(f"{n:>6}" for n in names[:-1]) + f" {'pass':>7}"
    if with_sqlite:
        header += f" {'sqlite':>7}"
    return header + f" {'seconds':>7}"


def text_row(run: AppRun, sqlite: AppRun | None = None) -> str:
    if run.broken:
        return f"{run.app:<20} {run.broken}"
    cells = [f"{run.tests:>6}"] + [f"{run.counts[key]:>6}" for key, _ in COLUMNS]
    cells.append(f"{rate(run.passed, run.tests):>7}")
    if sqlite is not None:
        sqlite_rate = "-" if sqlite.broken else rate(sqlite.passed, sqlite.tests)
        cells.append(f"{sqlite_rate:>7}")
    return f"{run.app:<20} " + " ".join(cells) + f" {run.seconds:>7}"


def text_total(runs: list[AppRun], sqlite: dict[str, AppRun] | None = None) -> str:
    """The last line of the table: the apps' tests together."""
    tests, counts, passed = _total(runs)
    cells = [f"{tests:>6}"] + [f"{counts[key]:>6}" for key, _ in COLUMNS]
    cells.append(f"{rate(passed, tests):>7}")
    if sqlite is not None:
        s_tests, _, s_passed = _total(list(sqlite.values()))
        cells.append(f"{rate(s_passed, s_tests):>7}")
    return f"{'total':<20} " + " ".join(cells)


def markdown_table(runs: list[AppRun], sqlite: dict[str, AppRun], skip_reasons: set[str]) -> str:
    """The table of docs/testing.md: an app a row, SQLite's pass rate beside ours. Of the
    skipped tests, "declared" are those expected_failures.py skips (`skip_reasons`); the
    others skip themselves (a feature the backend does not have, another vendor's SQL)."""
    header = ["app", "tests", "passed", "failed", "errors", "skipped", "declared skips"]
    header += ["expected failures", "unexpected successes", "pass rate", "SQLite"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]

    def cells(tests, counts, declared):
        values = [tests, *(counts[key] for key, _ in COLUMNS[:4]), declared]
        return [str(value) for value in values + [counts[key] for key, _ in COLUMNS[4:]]]

    for run in runs:
        other = sqlite[run.app]
        if run.broken:
            row = [run.app, run.broken, *[""] * (len(header) - 3)]
        else:
            row = [run.app, *cells(run.tests, run.counts, run.declared_skips(skip_reasons))]
            row.append(rate(run.passed, run.tests))
        row.append(rate(other.passed, other.tests))
        lines.append("| " + " | ".join(row) + " |")
    tests, counts, passed = _total(runs)
    s_tests, _, s_passed = _total(list(sqlite.values()))
    declared = sum(run.declared_skips(skip_reasons) for run in runs)
    row = ["**total**", *cells(tests, counts, declared)]
    row += [f"**{rate(passed, tests)}**", f"**{rate(s_passed, s_tests)}**"]
    lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


# The generated part of docs/testing.md lies between these two lines.
DOCS_START = "<!-- django-suite table: written by `bash scripts/django_suite.sh --update-docs` -->"
DOCS_END = "<!-- end of django-suite table -->"


def rewrite_docs(path: Path, section: str) -> None:
    """Put `section` between the markers of `path`, leaving the rest of the page as it is."""
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(DOCS_START) + r"\n.*?" + re.escape(DOCS_END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{path} has no table section: add the lines\n{DOCS_START}\n{DOCS_END}")
    path.write_text(
        pattern.sub(lambda _: f"{DOCS_START}\n{section}\n{DOCS_END}", text), encoding="utf-8"
    )
