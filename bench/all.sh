#!/usr/bin/env bash
# Every figure of bench/README.md's issue-15 tables, then the tables themselves (bench/table.ts), for Node 20
# (the `node` on PATH, peers of bench/package.json), Node 24 (bench/node24/run.sh: Node 24 from the npm registry,
# peers of bench/node24), or both. Run it on an idle machine: it takes about an hour for both.
#
#   bash bench/all.sh [node20|node24|both]      # default both; the tables go to stdout and bench/results/tables.md
#
# The Postgres figure (bench/durable-latency.ts) runs when initdb is on PATH or WEFT_POSTGRES_URL is set; its
# result is printed, and goes into the README's Postgres table by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-both}"
case "$which" in node20 | node24 | both) ;; *) echo "usage: bash bench/all.sh [node20|node24|both]" >&2; exit 2 ;; esac
npm run build >/dev/null
test -d bench/node_modules || npm ci --prefix bench --no-audit --no-fund
postgres=no
if command -v initdb >/dev/null || [ -n "${WEFT_POSTGRES_URL:-}" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then postgres=yes; fi

if [ "$which" != node24 ]; then
  npm run bench
  npx tsx bench/cold.ts
  npx tsx bench/cold.ts --engines=raw,weft --warm=20
  npx tsx --expose-gc bench/cold.ts --engines=raw,weft --warm=20 --gc
  npx tsx bench/state.ts --keys=10000 # 1M keys on Node 20: hours (V8 11's slow spread of a large object)
  npx tsx bench/durable.ts
  npx tsx bench/load.ts
  npx tsx bench/load.ts --wait
  if [ "$postgres" = yes ]; then npx tsx bench/durable-latency.ts; fi
fi
if [ "$which" != node20 ]; then
  run=bench/node24/run.sh
  bash "$run" bench/run.ts --peers=node24
  bash "$run" bench/cold.ts --peers=node24
  bash "$run" bench/cold.ts --peers=node24 --engines=raw,weft --warm=20
  bash "$run" bench/cold.ts --peers=node24 --engines=raw,weft --warm=20 --gc
  bash "$run" bench/state.ts --keys=10000,1000000
  bash "$run" bench/durable.ts
  bash "$run" bench/load.ts
  bash "$run" bench/load.ts --wait
  if [ "$postgres" = yes ]; then bash "$run" bench/durable-latency.ts; fi
fi
npx tsx bench/table.ts | tee bench/results/tables.md
