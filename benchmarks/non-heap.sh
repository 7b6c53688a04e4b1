#!/usr/bin/env bash
# What one worker of the MVC sample uses outside its heap: runs the sample as one JVM
# with a worker's sizing (2 workers on 2 processors), 15 s of requests from 64 clients,
# then prints the JVM's native memory summary and its resident size. The basis of the
# non-heap estimate of the memory check (docs/deploying.md). Build the sample first.
#
#   benchmarks/non-heap.sh [extra JVM options]
set -uo pipefail
cd "$(dirname "$0")/.."
JAR=samples/forker-sample-webmvc/target/forker-sample-webmvc-0.1.0-SNAPSHOT.jar
PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
LOG=$(mktemp -t forker-non-heap.XXXXXX)
java -XX:ActiveProcessorCount=1 -XX:MaxRAMPercentage=12.5 -XX:NativeMemoryTracking=summary "$@" \
  -jar "$JAR" --server.port="$PORT" --forker.enabled=false > "$LOG" 2>&1 &
APP=$!
trap 'kill $APP 2>/dev/null' EXIT
for _ in $(seq 1 600); do grep -q "Started " "$LOG" && break; sleep 0.1; done
python3 - "$PORT" <<'PY'
import concurrent.futures, sys, time, urllib.request
port, end = sys.argv[1], time.time() + 15
def hit(_):
    n = 0
    while time.time() < end:
        for path in ("/", "/worker", "/actuator/health"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).read(); n += 1
            except Exception:
                pass
    return n
with concurrent.futures.ThreadPoolExecutor(64) as pool:
    print("requests", sum(pool.map(hit, range(64))))
PY
jcmd "$APP" VM.native_memory summary | grep -E "^Total|^-"
grep VmRSS "/proc/$APP/status"
echo "threads $(ls /proc/$APP/task | wc -l)"
