#!/usr/bin/env bash
# Compares forker's two modes (shared, reuseport) on both web servers: throughput and
# how requests spread over 2 workers, with keep-alive connections and with a new
# connection per request. Needs wrk (installed from Debian's packages if missing).
#
#   benchmarks/compare-modes.sh [repetitions]
#
# Prints one block per run; docs/modes-and-servers.md quotes the median of 3 repetitions.
set -euo pipefail
cd "$(dirname "$0")/.."
repetitions=${1:-3}
version=0.1.0-SNAPSHOT

if ! command -v wrk >/dev/null; then
  echo "Installing wrk from Debian's packages" >&2
  (apt-get install -y wrk || (apt-get update && apt-get install -y wrk)) >/dev/null
fi
for sample in webmvc webflux; do
  [ -f "samples/forker-sample-$sample/target/forker-sample-$sample-$version.jar" ] || ./mvnw -B -q package -DskipTests
done

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

run() {
  local sample=$1 mode=$2 port log pid
  port=$(free_port)
  log=$(mktemp)
  java -jar "samples/forker-sample-$sample/target/forker-sample-$sample-$version.jar" --forker.workers=2 \
    --forker.mode="$mode" --server.port="$port" > "$log" 2>&1 &
  pid=$!
  for _ in $(seq 1 300); do grep -q "All 2 workers are ready" "$log" && break; sleep 0.2; done
  wrk -t2 -c32 -d5s "http://127.0.0.1:$port/worker" > /dev/null
  echo "== $sample $mode keep-alive"
  wrk -t2 -c32 -d10s -s benchmarks/lua/tally-workers.lua "http://127.0.0.1:$port/worker" \
    | grep -E "Requests/sec|Latency|worker pid|Socket errors"
  echo "== $sample $mode new connection per request"
  wrk -t2 -c32 -d10s -H "Connection: close" -s benchmarks/lua/tally-workers.lua "http://127.0.0.1:$port/worker" \
    | grep -E "Requests/sec|Latency|worker pid|Socket errors"
  kill "$pid"
  wait "$pid" || true
  rm -f "$log"
}

for _ in $(seq 1 "$repetitions"); do
  for sample in webmvc webflux; do
    for mode in reuseport shared; do
      run "$sample" "$mode"
    done
  done
done
