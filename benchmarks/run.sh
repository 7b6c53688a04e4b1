#!/usr/bin/env bash
# Benchmarks forker against what users would run instead (one JVM, nginx in front of N
# JVMs), side by side on this machine: throughput and CPU per request at steady state, a
# new connection per request, and open-loop scenarios with a JVM-wide pause, a crash and
# a slow leak. Installs what it needs (wrk, hey, nginx and matplotlib from Debian's
# packages), builds the benchmark application, the load client and the samples it starts,
# and writes benchmarks/results/latest.md, latest.json and latest.png (--quick: quick.*).
# At most 15 minutes on 2 cores; --quick at most 5. nginx runs from a configuration,
# prefix and pid file of its own in a temporary directory, never as a system service.
#
#   benchmarks/run.sh [--quick] [--rounds 3] [--java /path/to/java] [--configs a,b] ...
#   benchmarks/run.sh --help
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v hey >/dev/null || missing+=(hey)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || missing+=(python3-matplotlib)
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing ${missing[*]} from Debian's packages" >&2
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  # The benchmark never uses the nginx service the package may set up: run.py starts
  # nginx itself from a configuration of its own, on a free loopback port
  $sudo_cmd apt-get install -y "${missing[@]}" >/dev/null \
    || { $sudo_cmd apt-get update >/dev/null && $sudo_cmd apt-get install -y "${missing[@]}" >/dev/null; }
fi

./mvnw -B -q package -DskipTests -pl benchmarks/forker-benchmark-app,benchmarks/forker-load-client,samples/forker-sample-boot40,samples/forker-sample-grpc -am
exec /usr/bin/python3 benchmarks/run.py "$@"
