#!/bin/sh
# deps.sh - install the Debian 12 packages libclassify needs to build, test
# and benchmark (as root; a no-op for what is already installed).
set -eu
PKGS="cmake make gcc pkg-config libicu-dev libstemmer-dev liblinear-dev libjansson-dev
libxxhash-dev libmicrohttpd-dev check"
# any of the flags, together: deps.sh --test --bench
for flag in "$@"; do
case "$flag" in
  # metrics are checked against scikit-learn; the Python binding (python/) is
  # built offline and tested with pytest, on Dask
  --test) PKGS="$PKGS python3 python3-sklearn python3-dev python3-setuptools python3-pip
python3-venv python3-pytest python3-dask python3-distributed python3-pandas" ;;
  --ci) PKGS="$PKGS clang" ;;                              # .ci/run's clang -Werror stage
  --bench) PKGS="$PKGS python3 python3-sklearn fasttext time wrk" ;;  # bench/run.sh runs the peers; bench/serve.sh wrk
  *) echo "deps.sh: unknown flag $flag (expected --test, --ci or --bench)" >&2; exit 2 ;;
esac
done
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "deps.sh: missing packages:$missing (run as root or install them)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
