#!/usr/bin/env bash
# Run apps of Django's own test suite (tests/runtests.py of the installed Django) against
# this backend on the embedded engine, and print the pass table: per app its tests,
# passed, failed, errors, skipped, expected failures, unexpected successes and pass rate.
# The suite comes from Django's sdist, downloaded from PyPI into $DJANGO_SUITE_DIR
# (default /tmp/django-suite); it is never part of this repository.
#
#   bash scripts/django_suite.sh                       # the 36 apps of scripts/django_suite/apps.py
#   bash scripts/django_suite.sh basic lookup          # these apps
#   bash scripts/django_suite.sh --sqlite basic        # with SQLite's pass rate beside
#   bash scripts/django_suite.sh --ci                  # the subset scripts/test.sh runs
#   bash scripts/django_suite.sh --update-docs         # all apps, both databases, docs/testing.md
#
# Exit status 1 if a test failed, errored or passed unexpectedly (not as declared in
# clickhouse_backend/backend/expected_failures.py). Each app gets DJANGO_SUITE_TIMEOUT
# seconds (default 900); its output is in $DJANGO_SUITE_DIR/logs/<app>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" scripts/django_suite/main.py "$@"
