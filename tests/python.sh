#!/usr/bin/env bash
# tests/python.sh - the Python binding under ctest.
#
#   tests/python.sh install SOURCE_DIR BUILD_DIR
#       make BUILD_DIR/python-venv (Debian's /usr/bin/python3, --system-site-packages)
#       and pip install a copy of SOURCE_DIR/python into it, offline, against
#       the library in BUILD_DIR
#   tests/python.sh test SOURCE_DIR BUILD_DIR CLI WHAT [pytest args...]
#       run pytest on WHAT (e.g. tests, tests/test_dask.py: relative to
#       the copy of python/) with that venv
#
# pytest's exit status is the test's: 0 only if every selected test passed;
# no tests collected (5) fails, and python/tests/conftest.py turns any skip
# into a failure.
set -euo pipefail
mode=$1 src=$2 build=$3
shift 3
venv="$build/python-venv"
case "$mode" in
install)
  # a copy: pip builds in-tree, and two build dirs must not share python/build
  rm -rf "$build/python-src"
  mkdir -p "$build/python-src"
  (cd "$src/python" && tar --exclude=./build --exclude='*.egg-info' --exclude=__pycache__ \
     --exclude='*.so' --exclude=./src/libclassify/models -cf - .) | tar -xf - -C "$build/python-src"
  [ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$venv"
  CLF_SOURCE_DIR="$src" CLF_BUILD_DIR="$build" CLF_WERROR=1 \
    "$venv/bin/python" -m pip install --no-build-isolation --no-index --no-cache-dir \
    --force-reinstall --no-deps -q "$build/python-src"
  "$venv/bin/python" -c 'import libclassify, sys; print("libclassify", libclassify.__version__, "in", sys.prefix)'
  ;;
test)
  cli=$1 what=$2
  shift 2
  cd "$build/python-src" # not $build: its libclassify.so would shadow the package
  CLF_SOURCE_DIR="$src" CLF_CLI="$cli" exec "$venv/bin/python" -m pytest -p no:cacheprovider \
    "$build/python-src/$what" "$@"
  ;;
*)
  echo "usage: tests/python.sh install SOURCE_DIR BUILD_DIR | test SOURCE_DIR BUILD_DIR CLI WHAT [pytest args]" >&2
  exit 2
  ;;
esac
