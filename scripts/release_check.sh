#!/usr/bin/env bash
# Before a release: build the sdist and the wheel as PyPI will get them, check them with
# twine, install the wheel with the embedded extra into a fresh virtualenv (downloads
# chDB, ~180 MB) and run a query there on the embedded engine, away from the checkout.
# The distributions are left in dist/ for `twine upload dist/*`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
python=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$python" -m venv "$work/tools"
"$work/tools/bin/python" -m pip install --quiet build twine
rm -rf dist
"$work/tools/bin/python" -m build --outdir dist . >"$work/build.log" 2>&1 \
    || { cat "$work/build.log"; exit 1; }
if grep -i "deprecat" "$work/build.log"; then
    echo "The build warns about something deprecated (above)." >&2
    exit 1
fi
"$work/tools/bin/twine" check --strict dist/*

"$python" -m venv "$work/fresh"
wheel=$(ls dist/*.whl)
"$work/fresh/bin/python" -m pip install --quiet "$wheel[embedded]"
cd "$work"
"$work/fresh/bin/python" - "$root" <<'PYTHON'
import sys
from importlib.metadata import version

import clickhouse_backend
from clickhouse_backend import driver

assert not clickhouse_backend.__file__.startswith(sys.argv[1]), clickhouse_backend.__file__
connection = driver.connect(embedded=":memory:")
cursor = connection.cursor()
cursor.execute("SELECT %(a)s + 1, version()", {"a": 41})
answer, server = cursor.fetchone()
assert answer == 42, answer
print(f"django-clickhouse-db {version('django-clickhouse-db')} installed from the wheel;",
      f"embedded ClickHouse {server} answered {answer}.")
PYTHON
echo "dist/ holds: $(cd "$root/dist" && ls | tr '\n' ' ')"
