#!/usr/bin/env bash
# Every measurement behind the targets of issue 20 (docs/PERFORMANCE.md, "Issue 20: final
# figures"), for the Node binary first in PATH, into bench/results/issue-20/final-node<major>/.
# Run it on a quiet machine, once per Node version:
#
#   bash bench/issue-20-final.sh
#   PATH=/path/to/node22/bin:$PATH bash bench/issue-20-final.sh
#
# REPEAT (default 3) is the number of repetitions of the TTFT and throughput scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
major=$(node -p 'process.versions.node.split(".")[0]')
out="bench/results/issue-20/final-node${major}"
mkdir -p "$out"
log="$out/log.txt"
: >"$log"
say() { echo "== $* (load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%H:%M:%S))" | tee -a "$log"; }

say "node $(node --version), commit $(git rev-parse --short HEAD)"
say "load scenarios: ttft, throughput (repeat ${REPEAT:-3}), fanout, abort"
npm run --silent bench -- --only ttft,throughput --repeat "${REPEAT:-3}" --results "$out" 2>&1 |
  grep -v '^npm warn' | tee -a "$log"
build="node_modules/.cache/ai-agent-gateway-bench-$(basename "$PWD")"
BENCH_ABORT_CYCLES=${BENCH_ABORT_CYCLES:-4000} npm run --silent bench -- --only fanout,abort --repeat 1 --results "$out" --build "$build" 2>&1 |
  grep -v '^npm warn' | tee -a "$log"
say "gateway CPU per relayed delta"
npx tsx bench/gateway-cpu-per-delta.ts --build "$build" 20 8 2>&1 | grep -v '^npm warn' | tee -a "$log"
say "bare TCP relay floor per delta"
npx tsx bench/relay-floor-per-delta.ts 20 8 2>&1 | grep -v '^npm warn' | tee -a "$log"
say "Redis mode"
npx tsx bench/redis-mode-latency.ts 500 2>&1 | grep -v '^npm warn' | tail -n 12 | tee -a "$log"
cp bench/results/redis-mode-latency.json "$out/redis-mode-latency.json"
say "adapters in process"
npx tsx bench/adapter-cost-per-chat.ts 1000 5 2>&1 | grep -v '^npm warn' | tail -n 6 | tee -a "$log"
cp bench/results/adapter-cost-per-chat.json "$out/adapter-cost-per-chat.json"
say "adapters over sockets"
npx tsx bench/adapter-cost-over-sockets.ts --build "$build" --out "$out/adapter-cost-over-sockets.json" 300 6 2>&1 |
  grep -v '^npm warn' | tail -n 16 | tee -a "$log"
say "done"
