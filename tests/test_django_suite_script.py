"""scripts/django_suite: the outcome of every test of Django's suite as its runner records
it, and the pass table and CI verdict made from them (docs/testing.md).

The runner is run here on small unittest classes with every outcome unittest knows,
made inside a function so that pytest does not collect them itself.
"""

from __future__ import annotations

import json
import pathlib
import sys
import unittest

import pytest

SCRIPT_DIR = pathlib.Path(__file__).resolve().parent.parent / "scripts" / "django_suite"
sys.path.append(str(SCRIPT_DIR))

from recording import RecordingRunner  # noqa: E402
from report import (  # noqa: E402
    DOCS_END,
    DOCS_START,
    AppRun,
    markdown_table,
    rewrite_docs,
    text_row,
)


def sample_suite() -> unittest.TestSuite:
    """One test of each outcome, plus classes that fail or skip as a whole."""

    class Outcomes(unittest.TestCase):
        def test_pass(self):
            pass

        def test_fail(self):
            self.assertEqual(1, 2)

        def test_error(self):
            raise ValueError("bad value\nsecond line")

        @unittest.skip("not here")
        def test_skip(self):
            pass

        @unittest.expectedFailure
        def test_xfail(self):
            self.assertEqual(1, 2)

        @unittest.expectedFailure
        def test_xpass(self):
            pass

        def test_subtest_fails(self):
            for value in (1, 2):
                with self.subTest(value=value):
                    self.assertEqual(value, 1)

        def test_fail_then_teardown_error(self):
            self.addCleanup(self._cleanup_error)
            self.fail("first")

        def _cleanup_error(self):
            raise RuntimeError("cleanup")

    class SetupFails(unittest.TestCase):
        @classmethod
        def setUpClass(cls):
            raise RuntimeError("no fixture")

        def test_one(self):
            pass

        def test_two(self):
            pass

    class SetupSkips(unittest.TestCase):
        @classmethod
        def setUpClass(cls):
            raise unittest.SkipTest("no feature")

        def test_one(self):
            pass

    @unittest.skip("whole class")
    class ClassSkipped(unittest.TestCase):
        def test_one(self):
            pass

    class TeardownFails(unittest.TestCase):
        @classmethod
        def tearDownClass(cls):
            raise RuntimeError("teardown")

        def test_one(self):
            pass

    for case in (Outcomes, SetupFails, SetupSkips, ClassSkipped, TeardownFails):
        # Ids as Django's suite has them: app.module.Class.test.
        case.__module__ = "sample.tests"
        case.__qualname__ = case.__name__
    loader = unittest.TestLoader()
    return unittest.TestSuite(
        loader.loadTestsFromTestCase(case)
        for case in (Outcomes, SetupFails, SetupSkips, ClassSkipped, TeardownFails)
    )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("suite") / "results.json"
    mp = pytest.MonkeyPatch()
    mp.setenv("DJANGO_SUITE_RESULTS", str(path))
    try:
        RecordingRunner(verbosity=0).run_suite(sample_suite())
    finally:
        mp.undo()
    return json.loads(path.read_text())


def test_every_collected_test_has_one_outcome(recorded):
    assert recorded["tests"] == {
        "sample.tests.Outcomes.test_pass": "passed",
        "sample.tests.Outcomes.test_fail": "failed",
        "sample.tests.Outcomes.test_error": "error",
        "sample.tests.Outcomes.test_skip": "skipped",
        "sample.tests.Outcomes.test_xfail": "expected failure",
        "sample.tests.Outcomes.test_xpass": "unexpected success",
        # A failing subtest fails its test.
        "sample.tests.Outcomes.test_subtest_fails": "failed",
        # The worse of a failure and a cleanup error.
        "sample.tests.Outcomes.test_fail_then_teardown_error": "error",
        # A class whose setUpClass fails: each of its tests counts as an error...
        "sample.tests.SetupFails.test_one": "error",
        "sample.tests.SetupFails.test_two": "error",
        # ... and one that skips itself there, or is skipped, as skipped tests.
        "sample.tests.SetupSkips.test_one": "skipped",
        "sample.tests.ClassSkipped.test_one": "skipped",
        "sample.tests.TeardownFails.test_one": "passed",
    }


def test_messages_are_one_line_each(recorded):
    messages = recorded["messages"]
    assert messages["sample.tests.Outcomes.test_error"] == "ValueError: bad value"
    assert messages["sample.tests.Outcomes.test_fail_then_teardown_error"] == (
        "RuntimeError: cleanup"
    )
    assert messages["sample.tests.Outcomes.test_fail"] == "AssertionError: 1 != 2"
    assert messages["sample.tests.SetupFails.test_one"] == "RuntimeError: no fixture"
    assert messages["sample.tests.SetupSkips.test_one"] == "no feature"


def test_class_level_errors_are_kept(recorded):
    assert recorded["class_errors"] == [
        "setUpClass (sample.tests.SetupFails): RuntimeError: no fixture",
        "tearDownClass (sample.tests.TeardownFails): RuntimeError: teardown",
    ]


def test_pass_rate_counts_every_collected_test(recorded):
    run = AppRun("sample", 3, recorded["tests"], recorded["messages"], recorded["class_errors"])
    # 13 tests: test_pass, TeardownFails.test_one and the unexpected success passed;
    # skips (also of whole classes) and expected failures did not.
    assert (run.tests, run.passed) == (13, 3)
    # The columns split the tests: passed, failed, errors, skipped, xfail, xpass.
    assert text_row(run).split()[:9] == ["sample", "13", "2", "2", "4", "3", "1", "1", "23.1%"]


def test_problems_are_what_fails_a_ci_run(recorded):
    run = AppRun("sample", 3, recorded["tests"], recorded["messages"], recorded["class_errors"])
    problems = run.problems()
    assert [line.split(" (")[0] for line in problems] == [
        "error: sample.tests.Outcomes.test_error",
        "failed: sample.tests.Outcomes.test_fail",
        "error: sample.tests.Outcomes.test_fail_then_teardown_error",
        "failed: sample.tests.Outcomes.test_subtest_fails",
        "unexpected success: sample.tests.Outcomes.test_xpass",
        "error: sample.tests.SetupFails.test_one",
        "error: sample.tests.SetupFails.test_two",
        "error: setUpClass",
        "error: tearDownClass",
    ]
    clean = AppRun("clean", 1, {"a.T.t1": "passed", "a.T.t2": "expected failure"})
    assert clean.problems() == []
    assert AppRun("hung", 900, broken="timed out after 900 s").problems() == [
        "hung: timed out after 900 s"
    ]


def test_markdown_table_has_sqlite_beside_and_a_total():
    declared = "declared in expected_failures.py"
    ours = [
        AppRun("a", 1, {"a.T.t1": "passed", "a.T.t2": "failed"}),
        AppRun(
            "b",
            1,
            {"b.T.t1": "passed", "b.T.t2": "skipped", "b.T.t3": "expected failure"},
            {"b.T.t2": declared},
        ),
        AppRun("c", 1, {"c.T.t1": "skipped"}, {"c.T.t1": "Database doesn't support X"}),
    ]
    sqlite = {
        "a": AppRun("a", 1, {"a.T.t1": "passed", "a.T.t2": "passed"}),
        "b": AppRun("b", 1, {"b.T.t1": "passed", "b.T.t2": "skipped", "b.T.t3": "passed"}),
        "c": AppRun("c", 1, {"c.T.t1": "passed"}),
    }
    assert markdown_table(ours, sqlite, {declared}).splitlines() == [
        "| app | tests | passed | failed | errors | skipped | declared skips"
        " | expected failures | unexpected successes | pass rate | SQLite |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        "| a | 2 | 1 | 1 | 0 | 0 | 0 | 0 | 0 | 50.0% | 100.0% |",
        "| b | 3 | 1 | 0 | 0 | 1 | 1 | 1 | 0 | 33.3% | 66.7% |",
        "| c | 1 | 0 | 0 | 0 | 1 | 0 | 0 | 0 | 0.0% | 100.0% |",
        "| **total** | 6 | 2 | 1 | 0 | 2 | 1 | 1 | 0 | **33.3%** | **83.3%** |",
    ]


def test_docs_section_is_replaced_and_the_rest_kept(tmp_path):
    page = tmp_path / "testing.md"
    page.write_text(f"# Testing\n\nbefore\n{DOCS_START}\nold table\n{DOCS_END}\nafter\n")
    rewrite_docs(page, "new table\nline two")
    assert page.read_text() == (
        f"# Testing\n\nbefore\n{DOCS_START}\nnew table\nline two\n{DOCS_END}\nafter\n"
    )


def test_docs_without_markers_is_an_error_naming_them(tmp_path):
    page = tmp_path / "testing.md"
    page.write_text("# Testing\n")
    with pytest.raises(SystemExit, match="has no table section: add the lines"):
        rewrite_docs(page, "table")
    assert page.read_text() == "# Testing\n"
