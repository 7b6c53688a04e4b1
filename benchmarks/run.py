#!/usr/bin/env python3
"""Side-by-side benchmark of forker against one JVM, in interleaved rounds.

Run it through benchmarks/run.sh, which installs wrk and matplotlib and builds the
applications first. Every configuration runs once per round, in an order rotated each
round; every figure is reported as the median over rounds with its minimum and maximum,
and every ratio as the median of the per-round ratios. Results go to
benchmarks/results/: latest.json (every round's raw figures), latest.md and latest.png.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VERSION = "0.1.0-SNAPSHOT"
BENCH_JAR = os.path.join(ROOT, "benchmarks/forker-benchmark-app/target/forker-benchmark-app-%s.jar" % VERSION)
LOAD_JAR = os.path.join(ROOT, "benchmarks/forker-load-client/target/forker-load-client-%s.jar" % VERSION)
BOOT40_JAR = os.path.join(ROOT, "samples/forker-sample-boot40/target/forker-sample-boot40-%s.jar" % VERSION)
GRPC_JAR = os.path.join(ROOT, "samples/forker-sample-grpc/target/forker-sample-grpc-%s.jar" % VERSION)
RESULTS = os.path.join(ROOT, "benchmarks/results")
LUA = os.path.join(ROOT, "benchmarks/lua/report.lua")
# Endpoints whose wrk run needs a script of its own: /session sends the session cookie it got
LUA_SCRIPTS = {"session": os.path.join(ROOT, "benchmarks/lua/session.lua")}
CACHE = os.path.join(ROOT, "benchmarks/forker-benchmark-app/target/startup-cache")
ENDPOINTS = ["hello", "alloc", "locked"]
# With --state: a request that reads and writes its session, and a cache eviction that
# every worker applies (kept out of the default run, which has a 15-minute budget)
STATE_ENDPOINTS = ["session", "evict"]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
JAVA_25 = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"


def default_java():
    if os.path.exists(JAVA_25):
        return JAVA_25
    home = os.environ.get("JAVA_HOME")
    return os.path.join(home, "bin/java") if home else shutil.which("java") or "java"


# -- processes ------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, timeout=2.0):
    request = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), headers={"Connection": "close"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read().decode()


def accepts(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def worker_of(port):
    try:
        status, body = get(port, "/worker", timeout=1.0)
        if status == 200:
            answer = json.loads(body)
            return answer["worker"], answer["pid"]
    except Exception:
        pass
    return None


def children(pid):
    """Direct children of a process, from every one of its threads."""
    found = []
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as file:
                found.extend(int(child) for child in file.read().split())
    except OSError:
        pass
    return found


def descendants(pid):
    found, frontier = [], [pid]
    while frontier:
        for child in children(frontier.pop()):
            found.append(child)
            frontier.append(child)
    return found


def cpu_seconds(pids):
    """utime + stime of the processes (all their threads), in seconds."""
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / CLOCK_TICKS


def memory_mb(pid):
    """(PSS, RSS) of one process in MB, from smaps_rollup."""
    pss = rss = 0
    try:
        with open("/proc/%d/smaps_rollup" % pid) as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return pss / 1024.0, rss / 1024.0


def wait_until(condition, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("condition not met within %ss" % timeout)


class Deployment:
    """A running configuration: its processes, the port clients use, its logs."""

    def __init__(self, java):
        self.java = java
        self.processes = []
        self.port = free_port()
        self.temp = tempfile.mkdtemp(prefix="forker-bench-")
        self.logs = []
        self.master = None
        self.workers = {}

    def spawn(self, arguments, log_name="server.log"):
        log = open(os.path.join(self.temp, log_name), "w")
        self.logs.append(log)
        process = subprocess.Popen([self.java] + arguments, stdout=log, stderr=subprocess.STDOUT, cwd=self.temp,
                                   start_new_session=True)
        self.processes.append(process)
        return process

    def pids(self):
        pids = []
        for process in self.processes:
            if process.poll() is None:
                pids.append(process.pid)
                pids.extend(descendants(process.pid))
        return sorted(set(pids))

    def cpu_seconds(self):
        return cpu_seconds(self.pids())

    def memory(self):
        figures = {"pss_mb": 0.0, "rss_mb": 0.0}
        for pid in self.pids():
            pss, rss = memory_mb(pid)
            figures["pss_mb"] += pss
            figures["rss_mb"] += rss
        if self.master is not None:
            figures["master_pss_mb"], figures["master_rss_mb"] = memory_mb(self.master.pid)
        return {key: round(value, 1) for key, value in figures.items()}

    def error_lines(self):
        count = 0
        for log in self.logs:
            log.flush()
            with open(log.name, errors="replace") as file:
                count += sum(1 for line in file if re.search(r"\bERROR\b", line))
        return count

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 60
        for process in self.processes:
            try:
                process.wait(max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except OSError:
                    pass
                process.wait()
        for log in self.logs:
            log.close()

    def discard(self):
        shutil.rmtree(self.temp, ignore_errors=True)


def start_single(java, jar, heap_mb, extra=()):
    deployment = Deployment(java)
    launched = time.monotonic()
    deployment.spawn(["-Xmx%dm" % heap_mb, "-jar", jar, "--server.port=%d" % deployment.port,
                      "--forker.enabled=false"] + list(extra))
    deployment.workers = dict([wait_until(lambda: worker_of(deployment.port), 120)])
    deployment.first_s = deployment.all_s = time.monotonic() - launched
    return deployment


def start_forker(java, jar, workers, heap_mb, mode="shared", cache=True, concurrency=None, extra=()):
    deployment = Deployment(java)
    arguments = ["-jar", jar, "--server.port=%d" % deployment.port, "--forker.enabled=true",
                 "--forker.workers=%d" % workers, "--forker.mode=%s" % mode,
                 "--forker.worker.jvm-args=-Xmx%dm" % (heap_mb // workers),
                 "--forker.restart.initial-backoff=100ms"] + list(extra)
    if cache:
        arguments += ["--forker.worker.class-data-sharing.enabled=true",
                      "--forker.worker.class-data-sharing.directory=" + CACHE]
    if concurrency is not None:
        arguments.append("--forker.worker.start-concurrency=%d" % concurrency)
    launched = time.monotonic()
    deployment.master = deployment.spawn(arguments)
    spawned = {}

    def watch_master():
        # The master's own overhead: from launch until it starts its first worker
        while "s" not in spawned and deployment.master.poll() is None and time.monotonic() - launched < 120:
            if children(deployment.master.pid):
                spawned["s"] = time.monotonic() - launched
            time.sleep(0.002)
    watcher = threading.Thread(target=watch_master, daemon=True)
    watcher.start()
    seen = {}

    def all_workers_serve():
        answer = worker_of(deployment.port)
        if answer:
            if not seen:
                deployment.first_s = time.monotonic() - launched
            seen[answer[0]] = answer[1]
        if deployment.master.poll() is not None:
            raise RuntimeError("forker exited with %d; log in %s" % (deployment.master.returncode, deployment.temp))
        return len(seen) == workers
    wait_until(all_workers_serve, 180, interval=0.01)
    deployment.all_s = time.monotonic() - launched
    watcher.join(5)
    deployment.master_overhead_s = spawned.get("s")
    deployment.workers = dict(seen)
    return deployment


def replacement_time(deployment):
    """SIGKILL worker 1 and time until a new process answers as worker 1."""
    old = deployment.workers[1]
    killed = time.monotonic()
    os.kill(old, signal.SIGKILL)

    def replaced():
        answer = worker_of(deployment.port)
        return answer and answer[0] == 1 and answer[1] != old
    wait_until(replaced, 120, interval=0.01)
    return time.monotonic() - killed


# -- load -----------------------------------------------------------------------------

def wrk(port, endpoint, duration, connections):
    command = ["wrk", "-t1", "-c%d" % connections, "-d%ds" % duration, "--timeout", "10s",
               "-s", LUA_SCRIPTS.get(endpoint, LUA), "http://127.0.0.1:%d/%s" % (port, endpoint)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^REPORT (\{.*\})$", output, re.MULTILINE)
    if not match:
        raise RuntimeError("wrk printed no report:\n" + output)
    return json.loads(match.group(1))


def load_client(java, arguments):
    output = subprocess.run([java, "-XX:TieredStopAtLevel=1", "-Xmx256m", "-jar", LOAD_JAR] + arguments,
                            capture_output=True, text=True, timeout=600)
    match = re.search(r"^RESULT (\{.*\})$", output.stdout, re.MULTILINE)
    if not match:
        raise RuntimeError("the load client printed no result:\n%s\n%s" % (output.stdout, output.stderr))
    return json.loads(match.group(1))


def closed_loop(deployment, endpoint, args):
    """A wrk run after a warm-up; CPU per request from the server processes' CPU time."""
    wrk(deployment.port, endpoint, args.warmup, args.connections)
    cpu = deployment.cpu_seconds()
    report = wrk(deployment.port, endpoint, args.duration, args.connections)
    report["cpu_ms_per_request"] = 1000.0 * (deployment.cpu_seconds() - cpu) / max(1, report["requests"])
    return report


def open_loop(deployment, args, rate):
    return load_client(deployment.java, ["open-loop", "--port", str(deployment.port), "--path", "/alloc",
                                         "--rate", str(rate), "--duration", str(args.open_duration),
                                         "--warmup", str(args.warmup), "--connections", "64"])


# -- the configurations -----------------------------------------------------------------

def run_throughput(deployment, args, rates, figures):
    for endpoint in ENDPOINTS + (STATE_ENDPOINTS if args.state else []):
        report = closed_loop(deployment, endpoint, args)
        for key in ("rps", "p50_ms", "p99_ms", "p999_ms", "errors", "cpu_ms_per_request"):
            figures["%s.%s" % (endpoint, key)] = report[key]
    for label, rate in rates.items():
        report = open_loop(deployment, args, rate)
        for key in ("rps", "p50_ms", "p99_ms", "p999_ms", "errors"):
            figures["alloc_open_%s.%s" % (label, key)] = report[key]
    figures.update(deployment.memory())


def config_single(args, rates):
    deployment = start_single(args.java, BENCH_JAR, args.heap_mb)
    try:
        figures = {"first_s": deployment.first_s, "all_s": deployment.all_s}
        if not args.startup_only:
            run_throughput(deployment, args, rates, figures)
        figures["error_lines"] = deployment.error_lines()
        return figures
    finally:
        deployment.stop()
        deployment.discard()


def config_forker(mode="shared", cache=True, concurrency=None, throughput=True):
    def run(args, rates):
        deployment = start_forker(args.java, BENCH_JAR, args.workers, args.heap_mb, mode, cache and args.cache,
                                  concurrency)
        try:
            figures = {"first_s": deployment.first_s, "all_s": deployment.all_s,
                       "master_overhead_s": deployment.master_overhead_s}
            figures.update(deployment.memory())
            if throughput and not args.startup_only:
                run_throughput(deployment, args, rates, figures)
            figures["replace_s"] = replacement_time(deployment)
            figures["error_lines"] = deployment.error_lines()
            return figures
        finally:
            deployment.stop()
            deployment.discard()
    return run


def config_boot40(forker):
    def run(args, rates):
        if forker:
            deployment = start_forker(args.java, BOOT40_JAR, args.workers, args.heap_mb, cache=args.cache)
        else:
            deployment = start_single(args.java, BOOT40_JAR, args.heap_mb)
        try:
            figures = {"first_s": deployment.first_s, "all_s": deployment.all_s,
                       "master_overhead_s": getattr(deployment, "master_overhead_s", None)}
            figures.update(deployment.memory())
            figures["error_lines"] = deployment.error_lines()
            return figures
        finally:
            deployment.stop()
            deployment.discard()
    return run


def config_grpc(forker):
    def run(args, rates):
        grpc_port = free_port()
        extra = ["--spring.grpc.server.port=%d" % grpc_port]
        if forker:
            deployment = start_forker(args.java, GRPC_JAR, args.workers, args.heap_mb, cache=False, extra=extra)
        else:
            deployment = start_single(args.java, GRPC_JAR, args.heap_mb, extra)
        try:
            # The gRPC server starts after the web server answers
            wait_until(lambda: accepts(grpc_port), 60)
            command = ["grpc", "--port", str(grpc_port), "--channels", "8", "--duration", str(args.duration),
                       "--warmup", str(args.warmup)]
            # The client's own warm-up runs first; CPU is counted over the whole run and
            # charged to the measured calls only, so the figure errs on the high side
            # for both configurations alike
            cpu = deployment.cpu_seconds()
            report = load_client(args.java, command)
            figures = {"rps": report["rps"], "p50_ms": report["p50_ms"], "p99_ms": report["p99_ms"],
                       "p999_ms": report["p999_ms"], "errors": report["errors"],
                       "cpu_ms_per_call": 1000.0 * (deployment.cpu_seconds() - cpu) / max(1, report["requests"])
                       * args.duration / (args.duration + args.warmup)}
            figures.update(deployment.memory())
            figures["error_lines"] = deployment.error_lines()
            return figures
        finally:
            deployment.stop()
            deployment.discard()
    return run


CONFIGS = {
    # name: (label, runner, what it is compared with)
    "single": ("one JVM", config_single, None),
    "forker": ("forker shared", config_forker(), "single"),
    "forker-reuseport": ("forker reuseport", config_forker(mode="reuseport"), "single"),
    "start-all-at-once": ("forker, all workers start at once", config_forker(concurrency=0, throughput=False),
                          "single"),
    "start-one-at-a-time": ("forker, one worker starts at a time", config_forker(concurrency=1, throughput=False),
                            "single"),
    "start-no-cache": ("forker without startup cache", config_forker(cache=False, throughput=False), "single"),
    "boot40-single": ("JPA + Thymeleaf sample, one JVM", config_boot40(False), None),
    "boot40-forker": ("JPA + Thymeleaf sample, forker", config_boot40(True), "boot40-single"),
    "grpc-single": ("gRPC sample, one JVM", config_grpc(False), None),
    "grpc-forker": ("gRPC sample, forker", config_grpc(True), "grpc-single"),
}
# forker-reuseport is left out of the default run to keep it within 15 minutes on 2 cores
DEFAULT_CONFIGS = ["single", "forker", "start-all-at-once", "start-one-at-a-time",
                   "start-no-cache", "boot40-single", "boot40-forker", "grpc-single", "grpc-forker"]
QUICK_CONFIGS = ["single", "forker", "start-all-at-once", "start-one-at-a-time"]


def prepare_cache(args):
    """First starts with the cache on prepare it; the rounds then measure prepared starts."""
    shutil.rmtree(CACHE, ignore_errors=True)
    prepared = {}
    for name, jar in (("benchmark", BENCH_JAR), ("boot40", BOOT40_JAR)):
        if name == "boot40" and not any(c.startswith("boot40") for c in args.configs):
            continue
        started = time.monotonic()
        start_forker(args.java, jar, args.workers, args.heap_mb).stop()
        prepared[name] = round(time.monotonic() - started, 2)
        print("  %s: startup cache prepared and first start done in %.1f s" % (name, prepared[name]), flush=True)
    return prepared


def calibrate(args):
    """One JVM's alloc capacity, closed loop: the open-loop rates are fractions of it."""
    deployment = start_single(args.java, BENCH_JAR, args.heap_mb)
    try:
        wrk(deployment.port, "alloc", args.warmup * 2, args.connections)
        return wrk(deployment.port, "alloc", args.duration, args.connections)["rps"]
    finally:
        deployment.stop()
        deployment.discard()


# -- aggregation ------------------------------------------------------------------------

def summarize(rounds):
    """Median, min and max of every figure of every configuration over the rounds."""
    summary = {}
    for record in rounds:
        for name, figures in record.items():
            for key, value in figures.items():
                if isinstance(value, (int, float)) and value is not None:
                    summary.setdefault(name, {}).setdefault(key, []).append(value)
    return {name: {key: {"median": statistics.median(values), "min": min(values), "max": max(values),
                         "n": len(values)} for key, values in figures.items()}
            for name, figures in summary.items()}


def round_ratios(rounds, name, key, base_name, base_key=None):
    """The per-round ratios of a figure to its base, for the median of ratios."""
    values = []
    for record in rounds:
        if name in record and base_name in record:
            value, base = record[name].get(key), record[base_name].get(base_key or key)
            if value is not None and base:
                values.append(value / base)
    return values


def ratio_summary(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def fmt_ratio(values):
    return fmt(ratio_summary(values), 2, "x")


def fmt(figure, digits=2, unit=""):
    if figure is None:
        return "-"
    if figure["n"] == 1:
        return "%.*f%s" % (digits, figure["median"], unit)
    return "%.*f%s (%.*f–%.*f)" % (digits, figure["median"], unit, digits, figure["min"], digits, figure["max"])


def targets(rounds, summary, args):
    rows = []

    def add(target, goal, values, met_if, unit="x", digits=2):
        figure = ratio_summary(values) if isinstance(values, list) else values
        if figure is None:
            rows.append({"target": target, "goal": goal, "figure": None, "met": None})
            return
        rows.append({"target": target, "goal": goal, "figure": figure, "unit": unit, "digits": digits,
                     "met": met_if(figure["median"])})

    startup = "start-all-at-once" if args.start_concurrency == 0 else "start-one-at-a-time"
    add("all workers serving / one JVM's plain start (%s)" % CONFIGS[startup][0], "<= 1.2x",
        round_ratios(rounds, startup, "all_s", "single", "first_s"), lambda v: v <= 1.2)
    add("first worker serving / one JVM's plain start (%s)" % CONFIGS[startup][0], "<= 1.0x",
        round_ratios(rounds, startup, "first_s", "single", "first_s"), lambda v: v <= 1.0)
    add("SIGKILLed worker serving again / one JVM's plain start", "<= 0.6x",
        round_ratios(rounds, "forker", "replace_s", "single", "first_s"), lambda v: v <= 0.6)
    add("CPU per request, hello", "<= 1.05x",
        round_ratios(rounds, "forker", "hello.cpu_ms_per_request", "single"), lambda v: v <= 1.05)
    add("locked throughput", ">= 1.8x", round_ratios(rounds, "forker", "locked.rps", "single"), lambda v: v >= 1.8)
    per_round = []
    for record in rounds:
        if "forker" in record and "single" in record and "pss_mb" in record["single"]:
            per_round.append(record["forker"]["pss_mb"] / (args.workers * record["single"]["pss_mb"]))
    add("PSS of all forker processes / (N x one JVM's PSS)", "<= 0.85x", per_round, lambda v: v <= 0.85)
    add("master PSS", "<= 50 MB", summary.get("forker", {}).get("master_pss_mb"), lambda v: v <= 50,
        unit=" MB", digits=0)
    add("alloc open-loop p99 at 50% load", "<= 0.7x",
        round_ratios(rounds, "forker", "alloc_open_50.p99_ms", "single"), lambda v: v <= 0.7)
    return rows


def markdown(meta, summary, rounds, rows, args):
    present = [name for name in args.configs if name in summary]
    lines = ["Measured %s on %s (%d cores, %.0f GiB RAM, %s, Java %s), %d interleaved rounds (order rotated each "
             "round), %d workers, same total heap (%d MB) everywhere; wrk (1 thread, %d connections) runs %d s after "
             "a %d s warm-up; open-loop runs %d s at a fixed rate. Each figure is the median over rounds, with min–max "
             "in brackets; ratios are medians of per-round ratios. Startup cache (AOT cache on Java 25, CDS before): "
             "%s. Command: `%s`." % (
                 meta["date"], meta["machine"], meta["cpus"], meta["ram_gib"], meta["os"], meta["java"],
                 meta["rounds"], meta["workers"], meta["heap_mb"], meta["connections"], meta["duration"],
                 meta["warmup"], meta["open_duration"], "on" if meta["cache"] else "off", meta["command"]),
             ""]
    throughput = [name for name in present if "hello.rps" in summary[name]]
    if throughput:
        lines += ["### Throughput and CPU per request (closed loop, wrk)", "",
                  "| Endpoint | Configuration | Requests/s | Ratio | CPU ms per request | Ratio | p50 / p99 ms | Errors |",
                  "|---|---|---:|---:|---:|---:|---:|---:|"]
        for endpoint in ENDPOINTS + STATE_ENDPOINTS:
            for name in throughput:
                figures = summary[name]
                if "%s.rps" % endpoint not in figures:
                    continue
                base = CONFIGS[name][2]
                lines.append("| %s | %s | %s | %s | %s | %s | %s / %s | %d |" % (
                    endpoint, CONFIGS[name][0], fmt(figures["%s.rps" % endpoint], 0),
                    fmt_ratio(round_ratios(rounds, name, "%s.rps" % endpoint, base)) if base else "1.00x",
                    fmt(figures["%s.cpu_ms_per_request" % endpoint], 3),
                    fmt_ratio(round_ratios(rounds, name, "%s.cpu_ms_per_request" % endpoint, base))
                    if base else "1.00x",
                    fmt(figures["%s.p50_ms" % endpoint], 2), fmt(figures["%s.p99_ms" % endpoint], 1),
                    figures["%s.errors" % endpoint]["max"]))
        lines += ["", "### alloc at a fixed rate (open loop, latency from the intended send time)", "",
                  "| Load | Configuration | Rate (req/s) | p50 ms | p99 ms | p99.9 ms | p99 ratio | Errors |",
                  "|---|---|---:|---:|---:|---:|---:|---:|"]
        for label in ("50", "80"):
            for name in throughput:
                figures = summary[name]
                base = CONFIGS[name][2]
                key = "alloc_open_%s" % label
                if key + ".p99_ms" not in figures:
                    continue
                lines.append("| %s%% of one JVM's capacity | %s | %s | %s | %s | %s | %s | %d |" % (
                    label, CONFIGS[name][0], fmt(figures[key + ".rps"], 0), fmt(figures[key + ".p50_ms"], 1),
                    fmt(figures[key + ".p99_ms"], 1), fmt(figures[key + ".p999_ms"], 1),
                    fmt_ratio(round_ratios(rounds, name, key + ".p99_ms", base)) if base else "1.00x",
                    figures[key + ".errors"]["max"]))
    lines += ["", "### Start-up and memory", "",
              "| Configuration | First serving (s) | All serving (s) | All / one JVM | Master overhead (s) | "
              "Killed worker serving again (s) | PSS MB (all) | RSS MB (all) | Master PSS MB |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name in present:
        figures = summary[name]
        if "all_s" not in figures:
            continue
        base = CONFIGS[name][2]
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            CONFIGS[name][0], fmt(figures.get("first_s")), fmt(figures.get("all_s")),
            fmt_ratio(round_ratios(rounds, name, "all_s", base, "first_s")) if base else "1.00x",
            fmt(figures.get("master_overhead_s")), fmt(figures.get("replace_s")), fmt(figures.get("pss_mb"), 0),
            fmt(figures.get("rss_mb"), 0), fmt(figures.get("master_pss_mb"), 0)))
    if "grpc-single" in summary and "grpc-forker" in summary:
        lines += ["", "### gRPC unary calls (closed loop, 8 channels, grpc-java client)", "",
                  "| Configuration | Calls/s | Ratio | CPU ms per call | p50 ms | p99 ms | Errors |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for name in ("grpc-single", "grpc-forker"):
            figures = summary[name]
            base = CONFIGS[name][2]
            lines.append("| %s | %s | %s | %s | %s | %s | %d |" % (
                CONFIGS[name][0], fmt(figures["rps"], 0),
                fmt_ratio(round_ratios(rounds, name, "rps", base)) if base else "1.00x",
                fmt(figures["cpu_ms_per_call"], 3), fmt(figures["p50_ms"], 2), fmt(figures["p99_ms"], 2),
                figures["errors"]["max"]))
    lines += ["", "### Targets", "", "| Target | Measured | Goal | |", "|---|---:|---:|---|"]
    for row in rows:
        if row["figure"] is None:
            lines.append("| %s | not measured | %s | |" % (row["target"], row["goal"]))
        else:
            lines.append("| %s | %s | %s | %s |" % (row["target"], fmt(row["figure"], row["digits"], row["unit"]),
                                                   row["goal"], "met" if row["met"] else "**not met**"))
    errors = {name: int(summary[name]["error_lines"]["max"]) for name in present if "error_lines" in summary[name]}
    lines += ["", "ERROR lines in the server logs, most in one round: %s." % (
        ", ".join("%s %d" % (CONFIGS[name][0], count) for name, count in errors.items()))]
    return "\n".join(lines) + "\n"


def chart(summary, rounds, args, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    palette = {"single": "#888888", "forker": "#2a7ab9", "forker-reuseport": "#5aa9e6",
               "start-all-at-once": "#2a7ab9", "start-one-at-a-time": "#1b4f7a", "start-no-cache": "#9cc7ea",
               "boot40-single": "#888888", "boot40-forker": "#2a7ab9", "grpc-single": "#888888",
               "grpc-forker": "#2a7ab9"}
    throughput = [name for name in args.configs if name in summary and "hello.rps" in summary[name]]
    startups = [name for name in args.configs if name in summary and "all_s" in summary[name]]
    panels = [("hello: requests/s", throughput, "hello.rps"),
              ("hello: CPU ms per request", throughput, "hello.cpu_ms_per_request"),
              ("locked: requests/s", throughput, "locked.rps"),
              ("alloc at 50% load: p99 ms (open loop)", throughput, "alloc_open_50.p99_ms"),
              ("PSS of all processes (MB)", throughput + [n for n in startups if n.startswith("boot40")], "pss_mb"),
              ("all workers serving (s)", startups, "all_s"),
              ("gRPC: calls/s", [n for n in ("grpc-single", "grpc-forker") if n in summary], "rps")]
    panels = [panel for panel in panels if any(panel[2] in summary[name] for name in panel[1])]
    figure, axes = plt.subplots(1, len(panels), figsize=(3.3 * len(panels), 5.0))
    if len(panels) == 1:
        axes = [axes]
    for axis, (title, names, key) in zip(axes, panels):
        names = [name for name in names if key in summary[name]]
        medians = [summary[name][key]["median"] for name in names]
        low = [summary[name][key]["median"] - summary[name][key]["min"] for name in names]
        high = [summary[name][key]["max"] - summary[name][key]["median"] for name in names]
        axis.bar(range(len(names)), medians, color=[palette.get(name, "#444444") for name in names],
                 yerr=[low, high], capsize=4, ecolor="#222222")
        if key.endswith("_ms"):
            # Latency whiskers span orders of magnitude when one round stalls
            axis.set_yscale("log")
        axis.set_title(title, fontsize=9)
        axis.set_xticks(range(len(names)))
        axis.set_xticklabels([CONFIGS[name][0] for name in names], rotation=35, ha="right", fontsize=7)
    figure.suptitle("median of %d rounds, whiskers min–max" % len(rounds), fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=90)


# -- main ---------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="a shorter run (at most 5 minutes on 2 cores): 5 rounds of shorter loads, without the "
                             "JPA sample, the start without cache and gRPC")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=int, default=None, help="seconds of each measured wrk run")
    parser.add_argument("--warmup", type=int, default=None, help="seconds of warm-up before each run")
    parser.add_argument("--open-duration", type=int, default=None, help="seconds of each open-loop run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--heap-mb", type=int, default=1024, help="total heap of every configuration")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--java", default=default_java(), help="the java executable (default: Java 25 if present)")
    parser.add_argument("--no-cache", dest="cache", action="store_false",
                        help="forker's workers without the startup cache")
    parser.add_argument("--start-concurrency", type=int, default=0,
                        help="the forker.worker.start-concurrency the startup targets are judged on")
    parser.add_argument("--startup-only", action="store_true", help="start-up and memory figures only")
    parser.add_argument("--state", action="store_true",
                        help="also measure /session (sessions kept in the master) and /evict (coherent caches)")
    parser.add_argument("--configs", default=None, help="comma-separated subset of " + ", ".join(CONFIGS))
    parser.add_argument("--output", default="latest", help="name of the result files")
    parser.add_argument("--chart-only", action="store_true",
                        help="draw the chart again from the result file's JSON, without measuring")
    args = parser.parse_args()
    if args.chart_only:
        with open(os.path.join(RESULTS, args.output + ".json")) as file:
            saved = json.load(file)
        args.configs = [name for name in CONFIGS if name in saved["summary"]]
        chart(saved["summary"], saved["rounds"], args, os.path.join(RESULTS, args.output + ".png"))
        return
    args.duration = args.duration or (2 if args.quick else 5)
    args.warmup = args.warmup or (1 if args.quick else 2)
    args.open_duration = args.open_duration or (2 if args.quick else 6)
    args.configs = args.configs.split(",") if args.configs else (QUICK_CONFIGS if args.quick else DEFAULT_CONFIGS)
    unknown = [name for name in args.configs if name not in CONFIGS]
    if unknown:
        sys.exit("Unknown configuration(s): %s; choose from %s" % (", ".join(unknown), ", ".join(CONFIGS)))
    for jar in (BENCH_JAR, LOAD_JAR) + ((BOOT40_JAR,) if any(c.startswith("boot40") for c in args.configs) else ()) \
            + ((GRPC_JAR,) if any(c.startswith("grpc") for c in args.configs) else ()):
        if not os.path.isfile(jar):
            sys.exit("Missing %s: build first (benchmarks/run.sh does)" % jar)
    os.makedirs(RESULTS, exist_ok=True)
    started = time.monotonic()
    print("== preparing", flush=True)
    prepared = prepare_cache(args) if args.cache else {}
    rates = {}
    if not args.startup_only and any(name in args.configs for name in ("single", "forker", "forker-reuseport")):
        capacity = calibrate(args)
        rates = {"50": max(1, int(capacity * 0.5)), "80": max(1, int(capacity * 0.8))}
        print("  one JVM's alloc capacity %.0f requests/s: open loop at %s" % (
            capacity, ", ".join("%s%% = %d/s" % item for item in rates.items())), flush=True)
    rounds = []
    for index in range(args.rounds):
        shift = index % len(args.configs)
        order = args.configs[shift:] + args.configs[:shift]
        print("== round %d of %d: %s" % (index + 1, args.rounds, ", ".join(order)), flush=True)
        record = {}
        for name in order:
            at = time.monotonic()
            record[name] = CONFIGS[name][1](args, rates)
            print("  %-20s %5.1f s  %s" % (name, time.monotonic() - at, ", ".join(
                "%s=%.3g" % (key, value) for key, value in sorted(record[name].items())
                if value is not None and not key.endswith(("p50_ms", "p999_ms", "errors")))), flush=True)
        rounds.append(record)
    java = subprocess.run([args.java, "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    meta = {"date": datetime.date.today().isoformat(), "machine": platform.node() or "this machine",
            "cpus": os.cpu_count(), "ram_gib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30,
            "os": "%s %s" % (platform.system(), platform.release()),
            "java": java.split('"')[1] if '"' in java else java, "rounds": args.rounds, "workers": args.workers,
            "heap_mb": args.heap_mb, "connections": args.connections, "duration": args.duration,
            "warmup": args.warmup, "open_duration": args.open_duration, "cache": args.cache,
            "open_loop_rates": rates, "cache_prepared_s": prepared,
            "command": "benchmarks/run.sh" + ("".join(" " + a for a in sys.argv[1:]))}
    summary = summarize(rounds)
    rows = targets(rounds, summary, args)
    table = markdown(meta, summary, rounds, rows, args)
    meta["total_s"] = round(time.monotonic() - started)
    with open(os.path.join(RESULTS, args.output + ".json"), "w") as file:
        json.dump({"meta": meta, "summary": summary, "targets": rows, "rounds": rounds}, file, indent=1)
    with open(os.path.join(RESULTS, args.output + ".md"), "w") as file:
        file.write(table)
    chart(summary, rounds, args, os.path.join(RESULTS, args.output + ".png"))
    print()
    print(table)
    print("Total time: %.0f s; results in %s" % (time.monotonic() - started, RESULTS))


if __name__ == "__main__":
    main()
