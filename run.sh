#!/usr/bin/env bash
# One entry point for people and CI: creates .venv on first use, then runs what you ask.
#   ./run.sh demo [--serve]   the main job on the embedded default (replica site, SQLite, feeds)
#   ./run.sh test [pytest args]  the test suite (as root, installs Debian's chromium for the
#                                browser test and postgresql for the PostgreSQL tests when missing)
#   ./run.sh bench NAME       a benchmark script from bench/
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ] || [ pyproject.toml -nt .venv/.installed ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip >/dev/null
  .venv/bin/python -m pip install --quiet -e '.[test]'
  touch .venv/.installed
fi
cmd=${1:-demo}; shift || true
case "$cmd" in
  demo) exec .venv/bin/feedbot demo "$@" ;;
  test)
    if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      (apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null 2>&1; }) \
        || echo "run.sh: could not install chromium; browser tests will be skipped" >&2
    fi
    # initdb and pg_ctl for the throw-away cluster the tests start (tests/pg_cluster.py).
    if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
        && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      (apt-get install -y -q postgresql >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q postgresql >/dev/null 2>&1; }) \
        || echo "run.sh: could not install postgresql; PostgreSQL tests will be skipped" >&2
    fi
    exec .venv/bin/python -m pytest "$@" ;;
  bench) name=$1; shift; exec .venv/bin/python "bench/$name.py" "$@" ;;
  *) exec .venv/bin/feedbot "$cmd" "$@" ;;
esac
