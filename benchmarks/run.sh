#!/usr/bin/env bash
# Benchmarks forker against one JVM and against N JVMs behind nginx, side by side, on
# this machine. Installs what it needs (wrk, nginx, matplotlib from Debian's packages),
# builds the benchmark application, runs every configuration and writes
# benchmarks/results/latest.md, latest.json and benchmark.png. About 6 minutes on 2 cores.
#
#   benchmarks/run.sh [--duration 10] [--warmup 5] [--connections 32] [--heap-mb 1024]
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || missing+=(python3-matplotlib)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} from Debian's packages" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get install -y "${missing[@]}" >/dev/null || { $sudo_cmd apt-get update >/dev/null && $sudo_cmd apt-get install -y "${missing[@]}" >/dev/null; }
fi
export PATH="$PATH:/usr/sbin"

./mvnw -B -q package -DskipTests -pl benchmarks/forker-benchmark-app -am
exec /usr/bin/python3 benchmarks/run.py "$@"
