# Sourced by demo.sh and test.sh: create .venv (once) and install the package into it
# with the extras named in $1, so every command runs the checkout's own code.
setup_venv() {
    local python=${PYTHON:-python3}
    if [ ! -x .venv/bin/python ]; then
        "$python" -m venv .venv
    fi
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e ".[$1]"
}
