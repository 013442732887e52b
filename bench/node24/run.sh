#!/usr/bin/env bash
# Runs a bench script on Node 24 with the Node 24 peers: `bash bench/node24/run.sh SCRIPT.ts [options]`.
#   npm run bench:node24 [-- options of bench/run.ts]      # = bash bench/node24/run.sh bench/run.ts --peers=node24
#   bash bench/node24/run.sh bench/cold.ts --peers=node24   # a fresh process's first runs, Node 24 peers
# Node 24 is the `node` on PATH when that is Node 24, or else installed once from the npm registry into
# bench/node24/.node (.ci/install-node24; git-ignored). The peers are installed once from bench/node24's lock.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "$#" = 0 ]; then echo "usage: bash bench/node24/run.sh SCRIPT.ts [options]" >&2; exit 2; fi
if [ "$(node -p 'process.versions.node.split(".")[0]')" = 24 ]; then
  bin="$(dirname "$(command -v node)")"
else
  bin="$(bash .ci/install-node24 bench/node24/.node)"
fi
if [ ! -d bench/node24/node_modules ]; then npm ci --prefix bench/node24 --no-audit --no-fund; fi
script="$1"
shift
case "$script" in
  *durable.ts | *load.ts | *checkpoint-cost.ts)
    # These use the SQLite store: better-sqlite3 built for Node 24 once (bench/node24/.node/better-sqlite3), swapped
    # into node_modules for this run and the Node 20 addon put back when it ends, however it ends.
    bash .ci/better-sqlite3-node24 "$bin" bench/node24/.node/better-sqlite3
    addon=node_modules/better-sqlite3/build
    saved="$(mktemp -d)"
    mv "$addon" "$saved/build"
    trap 'rm -rf "$addon"; mv "$saved/build" "$addon"; rm -rf "$saved"' EXIT
    trap 'exit 130' INT TERM
    cp -a bench/node24/.node/better-sqlite3/build "$addon"
    PATH="$bin:$PATH" node --import tsx --expose-gc --no-warnings "$script" "$@"
    ;;
  *) PATH="$bin:$PATH" exec node --import tsx --expose-gc --no-warnings "$script" "$@" ;;
esac
