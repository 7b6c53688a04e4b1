#!/usr/bin/env python3
"""Spread of keep-alive connections over workers in shared mode, balanced or not, and
the cost of the balancing for connection-per-request traffic.

For each setting of forker.balance-connections, starts a sample with N workers and:
- opens C keep-alive connections at once (as a pool does), asks each which worker holds
  it, and prints the connections per worker, for several bursts;
- runs `hey -disable-keepalive` (a new connection per request) and prints requests/s and
  each worker's share of the requests (from /actuator/forker).

Usage: benchmarks/balance.py [--sample webmvc] [--workers 2] [--connections 32]
       [--bursts 5] [--seconds 10] [--rounds 3]
Needs the sample jars built (./mvnw -B -q package -DskipTests) and hey.
"""

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKER = re.compile(rb'"pid":(\d+)')


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/actuator/forker" % port, timeout=5) as response:
        return json.load(response)


def start(sample, workers, balance, log):
    port = free_port()
    jar = os.path.join(ROOT, "samples/forker-sample-%s/target/forker-sample-%s-0.1.0-SNAPSHOT.jar" % (sample, sample))
    process = subprocess.Popen(["java", "-jar", jar, "--server.port=%d" % port, "--forker.workers=%d" % workers,
                                "--forker.balance-connections=%s" % balance, "--spring.grpc.server.port=0"],
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            ready = [w for w in status(port)["workers"] if w["state"] == "ready"]
            if len(ready) == workers:
                return process, port
        except OSError:
            pass
        if process.poll() is not None:
            raise SystemExit("the sample exited: see %s" % log.name)
        time.sleep(0.5)
    raise SystemExit("the sample did not get ready: see %s" % log.name)


def stop(process):
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


def burst(port, count):
    sockets = [None] * count
    pids = [None] * count
    gate = threading.Barrier(count)

    def open_one(i):
        gate.wait()
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        sockets[i] = s
        s.sendall(b"GET /worker HTTP/1.1\r\nHost: localhost\r\n\r\n")
        data = b""
        while b'"pid"' not in data or not data.rstrip().endswith(b"}"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        pids[i] = int(WORKER.search(data).group(1))

    threads = [threading.Thread(target=open_one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = {}
    for pid in pids:
        counts[pid] = counts.get(pid, 0) + 1
    for s in sockets:
        s.close()
    return sorted(counts.values(), reverse=True)


def requests_by_pid(port):
    return {w["pid"]: w["requests"] for w in status(port)["workers"]}


def hey(port, seconds, connections):
    before = requests_by_pid(port)
    out = subprocess.run(["hey", "-disable-keepalive", "-z", "%ds" % seconds, "-c", str(connections),
                          "http://127.0.0.1:%d/worker" % port], capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Error distribution:", out) is not None
    time.sleep(2.5)  # the next heartbeat carries the requests of the last moments
    after = requests_by_pid(port)
    served = sorted((after[p] - before.get(p, 0) for p in after), reverse=True)
    return rps, served, errors


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", default="webmvc")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    started = time.time()
    results = {}
    for balance in ("true", "false"):
        with open("/tmp/forker-balance-%s.log" % balance, "w") as log:
            process, port = start(args.sample, args.workers, balance, log)
            try:
                bursts = []
                for _ in range(args.bursts):
                    bursts.append(burst(port, args.connections))
                    time.sleep(1)
                hey(port, 3, args.connections)  # warm-up
                runs = [hey(port, args.seconds, args.connections) for _ in range(args.rounds)]
                results[balance] = (bursts, runs)
            finally:
                stop(process)
    fair = args.connections / args.workers
    print("sample %s, %d workers, shared mode, bursts of %d keep-alive connections" % (args.sample, args.workers,
                                                                                      args.connections))
    for balance, (bursts, runs) in results.items():
        busiest = max(max(b) for b in bursts) / fair
        print("  forker.balance-connections=%s: connections per worker %s; busiest %.2fx its fair share" % (
            balance, " ".join("/".join(map(str, b)) for b in bursts), busiest))
        rps = [r[0] for r in runs]
        shares = ["/".join("%d%%" % round(100 * s / sum(r[1])) for s in r[1]) for r in runs]
        print("    hey -disable-keepalive -c %d, %d x %ds: median %.0f requests/s (runs %s), requests per worker %s%s" % (
            args.connections, args.rounds, args.seconds, statistics.median(rps), ", ".join("%.0f" % x for x in rps),
            ", ".join(shares), ", ERRORS" if any(r[2] for r in runs) else ""))
    on = statistics.median(r[0] for r in results["true"][1])
    off = statistics.median(r[0] for r in results["false"][1])
    print("  new connection per request, balanced / not: %.2fx; %.0f s in all" % (on / off, time.time() - started))


if __name__ == "__main__":
    sys.exit(main())
