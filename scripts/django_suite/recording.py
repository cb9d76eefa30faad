"""The test runner that Django's suite uses here: Django's own, plus a file with the
outcome of every test, so that the pass table counts tests (not unittest's events) and
the CI check can name the tests that went wrong.

runtests.py takes ``settings.TEST_RUNNER``; the outcomes go to the JSON file named by
``$DJANGO_SUITE_RESULTS``: ``{"tests": {test id: outcome}, "messages": {test id: line},
"class_errors": [description]}``.
"""

from __future__ import annotations

import json
import os
import re
import unittest

from django.test.runner import DiscoverRunner
from django.test.utils import iter_test_cases

# Outcomes, the worst last: a test that failed and then errored in tearDown is an error.
OUTCOMES = (
    "passed",
    "skipped",
    "expected failure",
    "unexpected success",
    "failed",
    "error",
)

# unittest's stand-in for a failed or skipped setUpClass/setUpModule:
# "setUpClass (app.tests.SomeTests)", "setUpModule (app.tests)".
_HOLDER = re.compile(r"^(setUpClass|tearDownClass|setUpModule|tearDownModule) \((.+)\)$")


def _test_id(test: unittest.TestCase) -> str:
    """The id of a test, of the test a subtest belongs to."""
    return getattr(test, "test_case", test).id()


def _summary(err) -> str:
    """The exception's type and the first line of its message, for a one-line report."""
    first = (str(err[1]).strip().splitlines() or [""])[0]
    return f"{err[0].__name__}: {first[:200]}" if first else err[0].__name__


class RecordingResult(unittest.TextTestResult):
    """A text result that also keeps each test's outcome and each class-level error."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.outcomes: dict[str, str] = {}
        self.messages: dict[str, str] = {}
        # (scope, outcome, message) for the setUpClass/setUpModule that failed or skipped.
        self.holders: list[tuple[str, str, str]] = []
        self.class_errors: list[str] = []

    def _record(self, test, outcome: str, message: str = "") -> None:
        match = _HOLDER.match(test.id())
        if match:
            hook, scope = match.groups()
            if hook.startswith("setUp"):
                self.holders.append((scope, outcome, message))
            if outcome == "error":
                self.class_errors.append(f"{test.id()}: {message}")
            return
        test_id = _test_id(test)
        old = self.outcomes.get(test_id, "passed")
        if OUTCOMES.index(outcome) >= OUTCOMES.index(old):
            self.outcomes[test_id] = outcome
            if message:
                self.messages[test_id] = message

    def addSuccess(self, test):  # noqa: N802 - unittest's name
        super().addSuccess(test)
        self._record(test, "passed")

    def addFailure(self, test, err):  # noqa: N802 - unittest's name
        super().addFailure(test, err)
        self._record(test, "failed", _summary(err))

    def addError(self, test, err):  # noqa: N802 - unittest's name
        super().addError(test, err)
        self._record(test, "error", _summary(err))

    def addSkip(self, test, reason):  # noqa: N802 - unittest's name
        super().addSkip(test, reason)
        self._record(test, "skipped", reason)

    def addExpectedFailure(self, test, err):  # noqa: N802 - unittest's name
        super().addExpectedFailure(test, err)
        self._record(test, "expected failure")

    def addUnexpectedSuccess(self, test):  # noqa: N802 - unittest's name
        super().addUnexpectedSuccess(test)
        self._record(test, "unexpected success")

    def addSubTest(self, test, subtest, err):  # noqa: N802 - unittest's name
        super().addSubTest(test, subtest, err)
        if err is not None:
            failed = issubclass(err[0], test.failureException)
            self._record(subtest, "failed" if failed else "error", _summary(err))

    def outcome_of_unrun(self, test_id: str) -> tuple[str, str]:
        """Why a collected test has no outcome: its class or module was skipped or failed
        to set up (every test of it counts as skipped or errored), or the run stopped."""
        for scope, outcome, message in self.holders:
            if test_id.startswith(scope + "."):
                return outcome, message
        return "error", "did not run"


class RecordingRunner(DiscoverRunner):
    """Django's runner, writing every collected test's outcome to $DJANGO_SUITE_RESULTS."""

    def get_resultclass(self):
        return RecordingResult

    def run_suite(self, suite, **kwargs):
        # Taken first: a suite lets go of its tests as it runs them.
        collected = [test.id() for test in iter_test_cases(suite)]
        result = super().run_suite(suite, **kwargs)
        tests, messages = {}, {}
        for test_id in collected:
            if test_id in result.outcomes:
                tests[test_id] = result.outcomes[test_id]
                message = result.messages.get(test_id, "")
            else:
                tests[test_id], message = result.outcome_of_unrun(test_id)
            if message:
                messages[test_id] = message
        report = {"tests": tests, "messages": messages, "class_errors": result.class_errors}
        with open(os.environ["DJANGO_SUITE_RESULTS"], "w", encoding="utf-8") as out:
            json.dump(report, out, indent=1, sort_keys=True)
        return result
