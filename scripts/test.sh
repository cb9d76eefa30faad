#!/usr/bin/env bash
# Set up and run the test suite on a fresh machine: a virtualenv in .venv with the
# package and its test extras, Debian's clickhouse-server for the native-protocol tests
# (installed when this runs as root with apt-get), then pytest. Extra arguments go to
# pytest. CLICKHOUSE_TEST_DSN=clickhouse://... runs the suite against that server.
# Without arguments, a subset of Django's own test suite then runs on the embedded
# engine (scripts/django_suite.sh --ci): any failure, error or unexpected success not
# declared in clickhouse_backend/backend/expected_failures.py fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/venv.sh
setup_venv test

# Debian packages the native-protocol tests use: the server, its client (dbshell), and
# openssl for the server's TLS port.
missing=()
command -v clickhouse-server >/dev/null || [ -x /usr/sbin/clickhouse-server ] \
    || missing+=(clickhouse-server)
command -v clickhouse-client >/dev/null || missing+=(clickhouse-client)
command -v openssl >/dev/null || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing ${missing[*]} for the native-protocol tests..."
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
        # The package's own service is not wanted: the tests start private servers.
        (service clickhouse-server stop || true) >/dev/null 2>&1
    else
        echo "${missing[*]} not installed; native-protocol tests will be skipped."
    fi
fi

status=0
.venv/bin/python -m pytest "$@" || status=$?
if [ $# -eq 0 ]; then
    PYTHON=.venv/bin/python bash scripts/django_suite.sh --ci || status=1
fi
exit $status
