#!/usr/bin/env bash
# How long the workers outlive a master killed while worker 2 starts: starts the MVC
# sample with 2 workers (shared mode; worker 2 starts once worker 1 is ready), waits for
# the master's "Started worker 2" line, waits DELAY seconds more, sends SIGKILL to the
# master and prints the milliseconds until no worker process is left. Build the sample
# first (./mvnw -B -q package -DskipTests -pl samples/forker-sample-webmvc -am).
#
#   benchmarks/master-kill.sh DELAY [extra program arguments, e.g. --forker.worker.parent-death-signal=false]
set -uo pipefail
cd "$(dirname "$0")/.."
JAR=samples/forker-sample-webmvc/target/forker-sample-webmvc-0.1.0-SNAPSHOT.jar
DELAY=${1:?delay in seconds after "Started worker 2"}; shift
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
LOG=$(mktemp -t forker-master-kill.XXXXXX)
java -Xmx256m -XX:TieredStopAtLevel=1 -jar "$JAR" --server.port="$PORT" --forker.workers=2 \
  --forker.worker.start-concurrency=1 "$@" > "$LOG" 2>&1 &
MASTER=$!
for _ in $(seq 1 9000); do grep -q "Started worker 2" "$LOG" && break; sleep 0.01; done
sleep "$DELAY"
PIDS=$(grep -o 'Started worker [0-9]* (pid [0-9]*' "$LOG" | awk '{print $5}')
kill -9 "$MASTER"
START=$(date +%s%N)
while :; do
  alive=0
  for pid in $PIDS; do
    if [ -e "/proc/$pid" ] && ! grep -q ') Z' "/proc/$pid/stat" 2>/dev/null; then alive=1; fi
  done
  [ $alive = 0 ] && break
  if [ $(( ($(date +%s%N) - START) / 1000000 )) -gt 15000 ]; then echo "still alive after 15 s: $PIDS" >&2; kill -9 $PIDS; break; fi
  sleep 0.01
done
echo "delay=${DELAY}s last worker gone after $(( ($(date +%s%N) - START) / 1000000 )) ms (log: $LOG)"
wait "$MASTER" 2>/dev/null
