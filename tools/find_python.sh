# Sourced by the launcher scripts (dist_*.sh, slurm_*.sh) from the
# repository root: sets PYTHON to the interpreter to run the tools with.
# 1. $PYTHON when set;
# 2. the project's virtual environment, ./.venv/bin/python (`make setup`);
# 3. `python`, else `python3`, from PATH (an activated environment).
if [ -z "${PYTHON:-}" ]; then
    if [ -x .venv/bin/python ]; then
        PYTHON="$(pwd)/.venv/bin/python"
    elif command -v python >/dev/null 2>&1; then
        PYTHON=python
    elif command -v python3 >/dev/null 2>&1; then
        PYTHON=python3
    else
        echo "$0: no python found: run \`make setup\` or set PYTHON" >&2
        exit 1
    fi
fi
