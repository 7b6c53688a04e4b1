#!/usr/bin/env bash
# Benchmarks forker against one JVM, side by side, in interleaved rounds on this
# machine. Installs what it needs (wrk and matplotlib from Debian's packages), builds
# the benchmark application, the load client and the samples it starts, runs every
# configuration once per round and writes benchmarks/results/latest.md, latest.json and
# latest.png. At most 15 minutes on 2 cores; --quick at most 5.
#
#   benchmarks/run.sh [--quick] [--rounds 5] [--java /path/to/java] [--configs a,b] ...
#   benchmarks/run.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v wrk >/dev/null || missing+=(wrk)
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || missing+=(python3-matplotlib)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} from Debian's packages" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get install -y "${missing[@]}" >/dev/null || { $sudo_cmd apt-get update >/dev/null && $sudo_cmd apt-get install -y "${missing[@]}" >/dev/null; }
fi

./mvnw -B -q package -DskipTests -pl benchmarks/forker-benchmark-app,benchmarks/forker-load-client,samples/forker-sample-boot40,samples/forker-sample-grpc -am
exec /usr/bin/python3 benchmarks/run.py "$@"
