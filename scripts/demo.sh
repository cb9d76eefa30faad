#!/usr/bin/env bash
# Set up and run the demo on a fresh machine: a virtualenv in .venv with the package and
# the embedded engine (chDB), then a script that loads 1M events into ClickHouse running
# in process and prints an analytic summary. Extra arguments go to the script.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/venv.sh
setup_venv embedded

exec .venv/bin/python examples/events_demo.py "$@"
