#!/usr/bin/env python3
"""forker against what users would run instead, on this machine.

Run it through benchmarks/run.sh, which installs wrk, hey, nginx and matplotlib and
builds the applications first. Phases, each on configurations that stay alive through
the phase:

* start-up and memory: every start-up configuration once per round;
* throughput (wrk, closed loop) and CPU per request of one JVM, forker with 1 worker,
  forker with N workers (shared, reuseport) and nginx in front of N JVMs, after a
  steady-state warm-up, in interleaved rounds; then alloc at a fixed rate (open loop);
* a new connection per request (hey -disable-keepalive) on the same deployments;
* shared state on the same one JVM and forker, the same way: a request that reads its
  session through Spring Security, one that reads and writes its session, a cache
  eviction, with the master's share of forker's CPU;
* scenarios, one JVM against forker, open loop: a JVM-wide pause (full GC of a large
  live set), a crash (Runtime.halt now and then; one JVM restarted by a supervisor loop)
  and a slow leak (one JVM until it dies, restarted, against max-requests recycling);
* gRPC unary calls.

Every figure measured in rounds is the median over rounds with its minimum and maximum,
and every ratio the median of the per-round ratios. Results go to benchmarks/results/:
<output>.json (every round's raw figures), <output>.md and <output>.png.
"""

import argparse
import concurrent.futures
import ctypes
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
# Endpoints whose wrk run needs a script of its own, each given the connections per thread and
# counting the responses that are not 200: /me logs in once per connection and sends the
# session cookies the logins got, /session sends the cookies of the sessions it started
LUA_SCRIPTS = {"me": os.path.join(ROOT, "benchmarks/lua/me.lua"),
               "session": os.path.join(ROOT, "benchmarks/lua/session.lua"),
               "evict": os.path.join(ROOT, "benchmarks/lua/status.lua")}
CACHE = os.path.join(ROOT, "benchmarks/forker-benchmark-app/target/startup-cache")
ENDPOINTS = ["hello", "alloc", "locked"]
# Shared state, one JVM against forker shared: a request that reads its session through Spring
# Security (/me, logged in), one that reads and writes its session (/session), and a cache
# eviction that, with forker, every worker applies (/evict). In the default run; --quick
# leaves them out unless --state or --endpoints asks for them
STATE_ENDPOINTS = ["me", "session", "evict"]
STATE_NAMES = {"me": "`/me`", "session": "`/session` (read + write)", "evict": "`/evict`"}
STATE_LABELS = {"me": "`GET /me`: reads its session through Spring Security",
                "session": "`GET /session`: reads and writes its session",
                "evict": "`GET /evict`: a `@CacheEvict`"}
# The acceptance targets of the shared-state rows, forker shared against one JVM in the same
# round: requests/s at least, CPU per request at most, and the master's share of the CPU of
# all of forker's processes (master and workers) over the measured run
STATE_TARGETS = {"me": {"rps": 0.85, "cpu_ms_per_request": 1.2}, "session": {"rps": 0.7},
                 "evict": {"rps": 0.7}}
MASTER_CPU_SHARE_MAX = 0.02
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
JAVA_25 = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"
# Every deployment alive, so that a failure or Ctrl-C stops them all
ALIVE = []


# The one thread that starts every server process: a child's parent-death signal follows the
# thread that forked it, and this one lives as long as the benchmark, whatever thread (a
# supervisor loop, deployments started together) asks for the process
SPAWNER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="spawner")


def die_with_parent():
    """In a child before exec: SIGTERM when the benchmark's spawner thread (so the benchmark) dies."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def default_java():
    if os.path.exists(JAVA_25):
        return JAVA_25
    home = os.environ.get("JAVA_HOME")
    return os.path.join(home, "bin/java") if home else shutil.which("java") or "java"


# -- processes ------------------------------------------------------------------------

HANDED_OUT = set()
HANDED_OUT_LOCK = threading.Lock()


def free_port():
    """A free loopback port, never one handed out before in this run (deployments start together)."""
    with HANDED_OUT_LOCK:
        while True:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            if port not in HANDED_OUT:
                HANDED_OUT.add(port)
                return port


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
        self.lock = threading.Lock()
        self.stopping = False
        self.restarts = 0
        # What benchmarks/forker-benchmark-app's FaultsController reads, in every JVM of the deployment
        self.faults_file = os.path.join(self.temp, "faults.properties")
        ALIVE.append(self)

    def spawn(self, arguments, log_name="server.log"):
        return self.spawn_command([self.java] + arguments, log_name)

    def spawn_command(self, command, log_name):
        with self.lock:
            if self.stopping:
                return None
            log = open(os.path.join(self.temp, log_name), "a")
            self.logs.append(log)
            process = SPAWNER.submit(lambda: subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, cwd=self.temp, start_new_session=True,
                preexec_fn=die_with_parent)).result()
            self.processes.append(process)
            return process

    def supervise(self, arguments, backoff_s=0.1):
        """Start a JVM and restart it whenever it exits, after backoff_s, like a supervisor
        (systemd's Restart=always) does; counts the restarts."""
        first = self.spawn(arguments, "server-0.log")

        def loop():
            current = first
            while current is not None:
                current.wait()
                time.sleep(backoff_s)
                with self.lock:
                    if self.stopping:
                        return
                    self.restarts += 1
                current = self.spawn(arguments, "server-%d.log" % self.restarts)
        threading.Thread(target=loop, daemon=True, name="supervisor").start()
        return first

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

    def log_lines(self, pattern):
        """The lines of every log of the deployment that match a regular expression."""
        found = []
        for log in self.logs:
            log.flush()
            with open(log.name, errors="replace") as file:
                found.extend(line for line in file if re.search(pattern, line))
        return found

    def error_lines(self):
        return len(self.log_lines(r"\bERROR\b"))

    def stop(self):
        with self.lock:
            self.stopping = True
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
        if self in ALIVE:
            ALIVE.remove(self)

    def discard(self):
        shutil.rmtree(self.temp, ignore_errors=True)


def start_single(java, jar, heap_mb, extra=(), jvm=(), supervised=False):
    """One JVM; supervised: restarted by a supervisor loop whenever it exits."""
    deployment = Deployment(java)
    launched = time.monotonic()
    arguments = ["-Xmx%dm" % heap_mb] + list(jvm) + ["-jar", jar, "--server.port=%d" % deployment.port,
                                                     "--forker.enabled=false",
                                                     "--bench.faults-file=" + deployment.faults_file] + list(extra)
    if supervised:
        deployment.supervise(arguments)
    else:
        deployment.spawn(arguments)
    deployment.workers = dict([wait_until(lambda: worker_of(deployment.port), 120)])
    deployment.first_s = deployment.all_s = time.monotonic() - launched
    return deployment


NGINX_CONF = """daemon off;
master_process on;
worker_processes %(workers)s;
%(user)s
pid %(temp)s/nginx.pid;
error_log %(temp)s/nginx-error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %(temp)s/client_body;
    proxy_temp_path %(temp)s/proxy;
    fastcgi_temp_path %(temp)s/fastcgi;
    uwsgi_temp_path %(temp)s/uwsgi;
    scgi_temp_path %(temp)s/scgi;
    upstream jvms {
        least_conn;
%(servers)s
        keepalive 64;
    }
    server {
        listen 127.0.0.1:%(port)d;
        location / {
            proxy_pass http://jvms;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffers 64 16k;
        }
    }
}
"""


def start_nginx(java, jar, count, heap_mb, extra=()):
    """nginx (least_conn, upstream keepalive) in front of count plain JVMs of the same total heap,
    with its own configuration, prefix and pid file in the deployment's temporary directory."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    deployment = Deployment(java)
    launched = time.monotonic()
    backends = [free_port() for _ in range(count)]
    for index, port in enumerate(backends):
        deployment.spawn(["-Xmx%dm" % (heap_mb // count), "-jar", jar, "--server.port=%d" % port,
                          "--forker.enabled=false"] + list(extra), "jvm-%d.log" % (index + 1))
    for port in backends:
        wait_until(lambda: worker_of(port), 120)
    conf = os.path.join(deployment.temp, "nginx.conf")
    with open(conf, "w") as file:
        file.write(NGINX_CONF % {
            "workers": "auto", "temp": deployment.temp, "port": deployment.port,
            # nginx run as root hands its workers to nobody, who cannot write the temp dir
            "user": "user root;" if os.geteuid() == 0 else "",
            "servers": "\n".join("        server 127.0.0.1:%d;" % port for port in backends)})
    deployment.spawn_command([nginx, "-p", deployment.temp, "-c", conf, "-e", os.path.join(deployment.temp,
                                                                                         "nginx-error.log")],
                             "nginx.log")
    seen = set()

    def every_jvm_answers():
        answer = worker_of(deployment.port)
        if answer:
            seen.add(answer[1])
        return len(seen) == count
    wait_until(every_jvm_answers, 60)
    deployment.workers = dict(enumerate(sorted(seen), 1))
    deployment.first_s = deployment.all_s = time.monotonic() - launched
    return deployment


def start_forker(java, jar, workers, heap_mb, mode="shared", cache=True, concurrency=None, extra=(), jvm=()):
    deployment = Deployment(java)
    arguments = ["-jar", jar, "--server.port=%d" % deployment.port, "--forker.enabled=true",
                 "--forker.workers=%d" % workers, "--forker.mode=%s" % mode,
                 "--forker.worker.jvm-args=" + ",".join(["-Xmx%dm" % (heap_mb // workers)] + list(jvm)),
                 "--forker.restart.initial-backoff=100ms", "--bench.faults-file=" + deployment.faults_file] + list(extra)
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
    wait_until(all_workers_serve, 300, interval=0.01)
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
    command = ["wrk", "-t1", "-c%d" % connections, "-d%ds" % max(1, round(duration)), "--timeout", "10s",
               "-s", LUA_SCRIPTS.get(endpoint, LUA), "http://127.0.0.1:%d/%s" % (port, endpoint)]
    if endpoint in LUA_SCRIPTS:
        command += ["--", str(connections)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    if run.returncode != 0:
        raise RuntimeError("%s exited with %d:\n%s%s" % (" ".join(command), run.returncode, run.stdout, run.stderr))
    output = run.stdout
    match = re.search(r"^REPORT (\{.*\})$", output, re.MULTILINE)
    if not match:
        raise RuntimeError("wrk printed no report:\n" + output)
    return json.loads(match.group(1))


def hey(port, endpoint, duration, connections):
    """hey with a new connection per request: requests/s, p50 and p99, errors."""
    command = ["hey", "-z", "%ds" % max(1, round(duration)), "-c", str(connections), "-t", "10",
               "-disable-keepalive", "http://127.0.0.1:%d/%s" % (port, endpoint)]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=duration + 60).stdout

    def number(pattern, default=None):
        match = re.search(pattern, output, re.MULTILINE)
        return float(match.group(1)) if match else default
    ok = sum(int(n) for n in re.findall(r"^\s*\[200\]\s+(\d+) responses", output, re.MULTILINE))
    other = sum(int(n) for code, n in re.findall(r"^\s*\[(\d+)\]\s+(\d+) responses", output, re.MULTILINE)
                if code != "200")
    failed = sum(int(n) for n in re.findall(r"^\s*\[(\d+)\]\s+(?!\d+ responses)", output, re.MULTILINE))
    rps = number(r"Requests/sec:\s+([\d.]+)")
    if rps is None:
        raise RuntimeError("hey printed no summary:\n" + output)
    return {"requests": ok + other + failed, "rps": rps, "p50_ms": 1000 * number(r"50% in ([\d.]+) secs", 0),
            "p99_ms": 1000 * number(r"99% in ([\d.]+) secs", 0), "errors": other + failed}


def load_client(java, arguments):
    output = subprocess.run([java, "-XX:TieredStopAtLevel=1", "-Xmx256m", "-jar", LOAD_JAR] + arguments,
                            capture_output=True, text=True, timeout=600)
    match = re.search(r"^RESULT (\{.*\})$", output.stdout, re.MULTILINE)
    if not match:
        raise RuntimeError("the load client printed no result:\n%s\n%s" % (output.stdout, output.stderr))
    return json.loads(match.group(1))


def open_loop(deployment, path, rate, duration, warmup=0, connections=64):
    """The load client at a fixed rate: latency from each request's intended send time."""
    return load_client(deployment.java, ["open-loop", "--port", str(deployment.port), "--path", path,
                                         "--rate", str(rate), "--duration", str(duration),
                                         "--warmup", str(warmup), "--connections", str(connections)])


def steady_windows(window_rps, args, connections, cap):
    """Windows of args.warmup_window seconds at a load of connections until two windows in a
    row are not more than args.steady_tolerance above the best window before them, or cap
    seconds: (requests/s of each window, "steady" or "cap")."""
    rates = []
    started = time.monotonic()
    while True:
        rates.append(window_rps(args.warmup_window, connections))
        if len(rates) >= 3 and max(rates[-2:]) <= max(rates[:-2]) * (1 + args.steady_tolerance):
            return [round(rate) for rate in rates], "steady"
        if time.monotonic() - started + args.warmup_window > cap:
            return [round(rate) for rate in rates], "cap"


def steady_warmup(window_rps, args, connections=None, cold=False, cap=None):
    """Warm up until throughput stops rising (steady_windows) at the measured load
    (connections), within cap (default args.warmup_max) seconds. A cold JVM first goes
    through the same rule at a light load (args.warmup_light connections), for at most half
    of that time: there the JIT's compiler threads get the processors instead of sharing them
    with a request thread per connection, and a plateau between two of its tiers is not
    taken for the steady state. window_rps(seconds, connections) runs one window and returns
    its requests/s."""
    connections = connections or args.connections
    cap = cap or args.warmup_max
    started = time.monotonic()
    warmup = {}
    if cold:
        warmup["light_rps"], warmup["light_reason"] = steady_windows(window_rps, args, args.warmup_light, cap / 2)
    rates, reason = steady_windows(window_rps, args, connections, cap - (time.monotonic() - started))
    warmup.update({"windows_rps": rates, "seconds": round(time.monotonic() - started, 1), "reason": reason})
    return warmup


def measured(deployment, run):
    """A load run with the server processes' CPU time per request and, with a forker master,
    the master's share of the CPU time of all the deployment's processes (master and workers)
    over the run, each read from /proc/<pid>/stat."""
    master = deployment.master.pid if deployment.master is not None else None
    cpu = deployment.cpu_seconds()
    master_cpu = cpu_seconds([master]) if master else 0
    report = run()
    total = deployment.cpu_seconds() - cpu
    report["cpu_ms_per_request"] = 1000.0 * total / max(1, report["requests"])
    if master and total > 0:
        report["master_cpu_share"] = (cpu_seconds([master]) - master_cpu) / total
    return report


def check_master(name, deployment):
    """That the deployment's master pid is the parent of every worker that answered /worker,
    so that the master's CPU share is the master's: prints the pids."""
    if deployment.master is None:
        return
    children = set(descendants(deployment.master.pid))
    workers = sorted(deployment.workers.values())
    if not workers or not children.issuperset(workers):
        raise RuntimeError("%s: the workers %s are not all descendants of the master pid %d (%s)" % (
            name, workers, deployment.master.pid, sorted(children)))
    print("  %-18s master pid %d, worker pids %s" % (name, deployment.master.pid,
                                                     " ".join(str(pid) for pid in workers)), flush=True)


def not_200(args, name, endpoint, report, when):
    """Loudly, a run whose responses were not all 200 (the scripts that count them: the
    shared-state rows); the row is marked failed (args.failed) and the run exits with 1."""
    count = report.get("non200", 0) + report.get("no_response", 0)
    if count:
        args.failed[(name, endpoint)] = args.failed.get((name, endpoint), 0) + count
        print("  !! %s %s (%s): %d responses not 200, %d requests without a response: the row FAILS" % (
            name, endpoint, when, report["non200"], report["no_response"]), file=sys.stderr, flush=True)


def start_each(starters, into):
    """Start deployments one after the other (two JVMs starting side by side on 2 cores take
    longer than one after the other), {name: () -> Deployment}, into a dict, printing when
    each serves."""
    for name, starter in starters.items():
        at = time.monotonic()
        into[name] = starter()
        print("  %-18s serving after %.1f s" % (name, time.monotonic() - at), flush=True)
    return into


def rotated(names, index):
    shift = index % len(names) if names else 0
    return names[shift:] + names[:shift]


def stop_all(deployments):
    for deployment in list(deployments):
        deployment.stop()
        deployment.discard()


def enter_phase(args, name):
    """Print a phase's start and keep how long the one before it took (args.phases)."""
    now = time.monotonic()
    if args.phase is not None:
        args.phases[args.phase[0]] = round(now - args.phase[1])
    args.phase = (name, now) if name else None
    if name:
        print("== %s (%.0f s)" % (name, now - args.started), flush=True)


def warmup_windows(warmup):
    """The requests/s of a warm-up's windows, its light stage's first."""
    light = warmup.get("light_rps")
    full = " ".join(str(rate) for rate in warmup["windows_rps"])
    return "light %s (%s), then %s" % (" ".join(str(rate) for rate in light), warmup["light_reason"], full) \
        if light else full


def print_warmup(name, what, warmup):
    print("  warm-up %-18s %-8s %s after %.0f s (requests/s per window: %s)" % (
        name, what, warmup["reason"], warmup["seconds"], warmup_windows(warmup)), flush=True)


# -- the configurations -----------------------------------------------------------------

def reused_scenarios(args, names):
    """The runtime-fault scenarios that run on the throughput phase's deployments, warm already."""
    if "single" in names and "forker" in names:
        return [scenario for scenario in RUNTIME_FAULTS if scenario in args.configs]
    return []


def start_throughput(name, args, scenarios):
    # A supervisor loop and a restart limit change nothing until a JVM crashes: set for the scenarios
    ready = SCENARIO_READY.get(name, {}) if scenarios else {}
    if name == "single":
        return start_single(args.java, BENCH_JAR, args.heap_mb, supervised=ready.get("supervised", False))
    if name == "forker-1":
        return start_forker(args.java, BENCH_JAR, 1, args.heap_mb, cache=args.cache)
    if name == "forker":
        return start_forker(args.java, BENCH_JAR, args.workers, args.heap_mb, cache=args.cache,
                            extra=ready.get("extra", ()))
    if name == "forker-reuseport":
        return start_forker(args.java, BENCH_JAR, args.workers, args.heap_mb, mode="reuseport", cache=args.cache)
    if name == "nginx":
        return start_nginx(args.java, BENCH_JAR, args.workers, args.heap_mb)
    raise ValueError(name)


def phase_throughput(args, names, rounds, warmups, scenarios):
    """Every configuration alive through the phase: warmed to steady state on each endpoint,
    then measured in interleaved rounds (closed loop), at a fixed rate (open loop), and with a
    new connection per request (hey); then the shared-state rows (closed loop, after the
    rest, which thus runs as it did without them); then the runtime-fault scenarios on one
    JVM and forker, warm already (into scenarios)."""
    deployments = {}
    reused = reused_scenarios(args, names)
    try:
        start_each({name: (lambda name=name: start_throughput(name, args, reused)) for name in names}, deployments)
        for name in names:
            check_master(name, deployments[name])

        def runs(endpoint):
            return [name for name in names if name in MATRIX.get(endpoint, ("single", "forker"))]

        def window(name, endpoint, seconds, connections):
            report = wrk(deployments[name].port, endpoint, seconds, connections)
            not_200(args, name, endpoint, report, "warm-up")
            return report["rps"]

        def closed_loop(endpoints):
            if not endpoints:
                return
            for endpoint in endpoints:
                cold = endpoint == args.endpoints[0]
                for name in runs(endpoint):
                    warmups.setdefault(name, {})[endpoint] = warmup = steady_warmup(
                        lambda seconds, connections: window(name, endpoint, seconds, connections), args,
                        cold=cold,
                        # A shared-state row on a JVM warm already: only its own code is new there
                        cap=args.state_warmup_max if endpoint in STATE_ENDPOINTS and not cold else None)
                    print_warmup(name, endpoint, warmup)
            for index in range(args.rounds):
                record = rounds[index]
                for endpoint in endpoints:
                    for name in rotated(runs(endpoint), index):
                        deployment = deployments[name]
                        report = measured(deployment, lambda: wrk(deployment.port, endpoint, args.duration,
                                                                  args.connections))
                        not_200(args, name, endpoint, report, "round %d" % (index + 1))
                        figures = record.setdefault(name, {})
                        for key in ("rps", "p50_ms", "p99_ms", "p999_ms", "errors", "cpu_ms_per_request",
                                    "master_cpu_share", "non200", "no_response", "sessions"):
                            if key in report:
                                figures["%s.%s" % (endpoint, key)] = report[key]
                for name in names:
                    # Memory after the load of the first endpoints measured
                    if "pss_mb" not in record.setdefault(name, {}):
                        record[name].update(deployments[name].memory())
                print("  round %d of %d: %s" % (index + 1, args.rounds, "; ".join(
                    "%s %s" % (endpoint, ", ".join("%s %.0f/s" % (name, record[name]["%s.rps" % endpoint])
                                                   for name in runs(endpoint)))
                    for endpoint in endpoints if runs(endpoint))), flush=True)
        closed_loop([endpoint for endpoint in args.endpoints if endpoint in ENDPOINTS])
        open_names = [name for name in ("single", "forker") if name in names]
        if "single" in names and args.open_loads and "alloc" in args.endpoints:
            capacity = statistics.median(rounds[index]["single"]["alloc.rps"] for index in range(args.rounds))
            args.open_rates = {load: max(1, int(capacity * int(load) / 100)) for load in args.open_loads}
            print("  one JVM's alloc capacity %.0f requests/s: open loop at %s" % (
                capacity, ", ".join("%s%% = %d/s" % item for item in args.open_rates.items())), flush=True)
            for index in range(args.rounds):
                for label, rate in args.open_rates.items():
                    for name in rotated(open_names, index):
                        report = open_loop(deployments[name], "/alloc", rate, args.open_duration, args.open_warmup)
                        for key in ("rps", "p50_ms", "p99_ms", "p999_ms", "errors"):
                            rounds[index][name]["alloc_open_%s.%s" % (label, key)] = report[key]
        if "hey" in args.configs:
            # --quick: one JVM and forker shared only; the default run also nginx, within its
            # budget (forker's own cost shows on hello, the two modes' in a run of their own:
            # --configs single,forker,forker-reuseport,hey); --configs: every one given
            hey_names = [name for name in names if name in ("single", "forker")] if args.quick else \
                [name for name in names if name in ("single", "forker", "nginx")] if args.default_configs else names
            for name in hey_names:
                port = deployments[name].port
                warmups.setdefault(name, {})["hey"] = warmup = steady_warmup(
                    lambda seconds, connections: hey(port, "hello", seconds, connections)["rps"], args)
                print_warmup(name, "hey", warmup)
            for index in range(args.rounds):
                for name in rotated(hey_names, index):
                    deployment = deployments[name]
                    report = measured(deployment, lambda: hey(deployment.port, "hello", args.duration,
                                                              args.connections))
                    for key in ("rps", "p50_ms", "p99_ms", "errors", "cpu_ms_per_request"):
                        rounds[index].setdefault(name, {})["hey.%s" % key] = report[key]
                print("  hey round %d of %d: %s" % (index + 1, args.rounds, ", ".join(
                    "%s %.0f/s" % (name, rounds[index][name]["hey.rps"]) for name in hey_names)), flush=True)
        closed_loop([endpoint for endpoint in args.endpoints if endpoint in STATE_ENDPOINTS])
        for name in names:
            for index in range(args.rounds):
                rounds[index].setdefault(name, {})["error_lines"] = deployments[name].error_lines()
        for scenario in reused:
            enter_phase(args, "scenario %s" % scenario)
            # The last one's fault stays on: the phase stops these deployments next
            scenarios[scenario] = run_scenario(scenario, args, warm=deployments, turn_off=scenario != reused[-1])
    finally:
        stop_all(deployments.values())


def startup_runner(name):
    def run(args):
        if name == "single":
            deployment = start_single(args.java, BENCH_JAR, args.heap_mb)
        elif name == "forker":
            deployment = start_forker(args.java, BENCH_JAR, args.workers, args.heap_mb, cache=args.cache)
        elif name == "start-all-at-once":
            deployment = start_forker(args.java, BENCH_JAR, args.workers, args.heap_mb, cache=args.cache,
                                      concurrency=0)
        elif name == "start-one-at-a-time":
            deployment = start_forker(args.java, BENCH_JAR, args.workers, args.heap_mb, cache=args.cache,
                                      concurrency=1)
        elif name == "start-no-cache":
            deployment = start_forker(args.java, BENCH_JAR, args.workers, args.heap_mb, cache=False)
        elif name == "boot40-single":
            deployment = start_single(args.java, BOOT40_JAR, args.heap_mb)
        elif name == "boot40-forker":
            deployment = start_forker(args.java, BOOT40_JAR, args.workers, args.heap_mb, cache=args.cache)
        else:
            raise ValueError(name)
        try:
            figures = {"first_s": deployment.first_s, "all_s": deployment.all_s}
            if deployment.master is not None:
                figures["master_overhead_s"] = deployment.master_overhead_s
            if name not in ("single", "forker"):
                # Memory of single and forker: after the throughput phase's load
                figures.update(deployment.memory())
            if name in ("forker", "start-one-at-a-time", "start-no-cache"):
                # A replacement starts one worker, whatever forker.worker.start-concurrency says:
                # measured with and without the startup cache
                figures["replace_s"] = replacement_time(deployment)
            figures["error_lines"] = deployment.error_lines()
            return figures
        finally:
            deployment.stop()
            deployment.discard()
    return run


def phase_startup(args, names, rounds):
    for index in range(args.rounds):
        for name in rotated(names, index):
            rounds[index].setdefault(name, {}).update(startup_runner(name)(args))
        print("  round %d of %d: %s" % (index + 1, args.rounds, ", ".join(
            "%s %.2f s" % (name, rounds[index][name]["all_s"]) for name in names)), flush=True)


def phase_grpc(args, names, rounds, warmups):
    """The gRPC sample, one JVM and forker alive through the phase, warmed to steady state."""
    deployments, grpc_ports = {}, {}
    try:
        def start(name):
            grpc_ports[name] = free_port()
            extra = ["--spring.grpc.server.port=%d" % grpc_ports[name]]
            if name == "grpc-forker":
                deployment = start_forker(args.java, GRPC_JAR, args.workers, args.heap_mb, cache=False, extra=extra)
            else:
                deployment = start_single(args.java, GRPC_JAR, args.heap_mb, extra)
            # The gRPC server starts after the web server answers
            wait_until(lambda: accepts(grpc_ports[name]), 60)
            return deployment
        start_each({name: (lambda name=name: start(name)) for name in names}, deployments)

        def calls(name, seconds, channels=GRPC_CHANNELS):
            # 1 s of the client's own warm-up first: its channels connect there, not in the window
            return load_client(args.java, ["grpc", "--port", str(grpc_ports[name]), "--channels", str(channels),
                                           "--duration", str(seconds), "--warmup", "1"])
        for name in names:
            warmups.setdefault(name, {})["grpc"] = warmup = steady_warmup(
                lambda seconds, channels: calls(name, seconds, channels)["rps"], args, GRPC_CHANNELS, cold=True)
            print_warmup(name, "grpc", warmup)
        for index in range(args.rounds):
            for name in rotated(names, index):
                report = measured(deployments[name], lambda: calls(name, args.duration))
                figures = rounds[index].setdefault(name, {})
                figures.update({key: report[key] for key in ("rps", "p50_ms", "p99_ms", "p999_ms", "errors")})
                # CPU is counted over the client's 1 s warm-up too: charged pro rata, as an estimate
                figures["cpu_ms_per_call"] = report["cpu_ms_per_request"] * args.duration / (args.duration + 1)
                figures.update(deployments[name].memory())
                figures["error_lines"] = deployments[name].error_lines()
            print("  round %d of %d: %s" % (index + 1, args.rounds, ", ".join(
                "%s %.0f/s" % (name, rounds[index][name]["rps"]) for name in names)), flush=True)
    finally:
        stop_all(deployments.values())


# -- scenarios: one JVM against forker's N workers, open loop -----------------------------

def set_faults(deployment, version, jvms, faults):
    """Turn the benchmark application's faults on or off in every JVM of a running deployment
    (FaultsController reads the file when it changes, and when a JVM starts again after a
    crash), and wait until jvms distinct JVMs applied them, and built the pause's live set."""
    text = "version=%s\n" % version + "".join("%s=%s\n" % item for item in faults.items())
    with open(deployment.faults_file + ".tmp", "w") as file:
        file.write(text)
    os.replace(deployment.faults_file + ".tmp", deployment.faults_file)
    applied = r"BENCH faults: pid (\d+) applied version %s:" % re.escape(version)
    live = r"BENCH gc-pause: pid (\d+) holds .*\(version %s\)" % re.escape(version)

    def every_jvm():
        pids = {re.search(applied, line).group(1) for line in deployment.log_lines(applied)}
        if faults.get("gc-pause.live-mb"):
            pids &= {re.search(live, line).group(1) for line in deployment.log_lines(live)}
        return len(pids) >= jvms
    wait_until(every_jvm, 120, interval=0.05)


def scenario_setup(scenario, args):
    """The faults, application properties, JVM options and path of a scenario, and what it says."""
    rate, duration = args.scenario_rate, args.scenario_duration
    if scenario == "pause":
        return {"path": "/hello", "faults": {"gc-pause.live-mb": args.pause_live_mb,
                                             "gc-pause.interval-ms": args.pause_interval_ms},
                "extra": [], "jvm": [], "forker": [],
                "what": "every JVM holds %d MB of small live objects and calls System.gc() (a full, stop-the-world "
                        "collection) every %.1f s, from a random phase; /hello at %d requests/s for %d s" % (
                            args.pause_live_mb, args.pause_interval_ms / 1000, rate, duration)}
    if scenario == "crash":
        every = max(1, int(rate * duration / args.crashes))
        return {"path": "/crashy", "faults": {"crash.every": every}, "extra": [], "jvm": [], "forker": [],
                "what": "every %dth request a JVM serves halts it (Runtime.halt); /crashy at %d requests/s for %d s; "
                        "one JVM restarted by a supervisor loop 100 ms after it exits, forker restarts a worker "
                        "after its initial back-off (100 ms)" % (every, rate, duration)}
    if scenario == "leak":
        leak_duration = args.leak_duration
        per_request = int(args.heap_mb * 2 ** 20 / (rate * (leak_duration * 0.5 + args.leak_warmup)))
        # A recycled worker keeps serving (and leaking) until its replacement is ready: room for it
        max_requests = int(0.3 * args.heap_mb / args.workers * 2 ** 20 / per_request)
        return {"path": "/leaky", "faults": None, "extra": ["--bench.leak.bytes-per-request=%d" % per_request],
                "jvm": ["-XX:+ExitOnOutOfMemoryError"],
                "forker": ["--forker.worker.max-requests=%d" % max_requests,
                           "--forker.worker.max-requests-jitter=%d" % (max_requests // 10)],
                "duration": leak_duration,
                "what": "every /leaky request keeps %d KB for good (a %d MB heap fills in about %d s); /leaky at %d "
                        "requests/s for %d s, after %d s of it as warm-up; JVMs run with -XX:+ExitOnOutOfMemoryError, one JVM is restarted by a "
                        "supervisor loop, forker recycles each worker after %d requests (+ up to %d jitter, "
                        "forker.worker.max-requests), about 30%% of its %d MB heap" % (
                            per_request // 1024, args.heap_mb, leak_duration // 2 + args.leak_warmup, rate,
                            leak_duration, args.leak_warmup,
                            max_requests, max_requests // 10, args.heap_mb // args.workers)}
    raise ValueError(scenario)


EVENTS = {"pause": r"BENCH gc-pause: .* full GC took", "crash": r"BENCH crash:",
          "leak": r"Terminating due to java.lang.OutOfMemoryError|forker.worker.max-requests="}
# The scenarios whose fault a running JVM turns on and off: they run on the throughput phase's
# one JVM and forker deployments, warm already, when that phase runs both
RUNTIME_FAULTS = ("pause", "crash")
# What the throughput phase's one JVM and forker deployments need for those scenarios: one JVM
# under a supervisor loop, forker restarting its crashed workers as often as they crash
SCENARIO_READY = {"single": {"supervised": True}, "forker": {"extra": ["--forker.restart.max-restarts=1000"]}}


def start_scenario_deployment(name, scenario, setup, args):
    if name == "single":
        return start_single(args.java, BENCH_JAR, args.heap_mb, setup["extra"], setup["jvm"],
                            supervised=scenario in ("crash", "leak"))
    return start_forker(args.java, BENCH_JAR, args.workers, args.heap_mb, cache=args.cache, jvm=setup["jvm"],
                        extra=setup["extra"] + setup["forker"] + SCENARIO_READY["forker"]["extra"])


def run_scenario(scenario, args, warm=None, turn_off=True):
    """One JVM against forker under a scenario's fault, open loop. warm: the throughput phase's
    deployments, alive and at steady state, that a runtime fault is turned on in (and off again
    after, if turn_off); otherwise both configurations are started for the scenario (together)
    and each warmed up before its run."""
    setup = scenario_setup(scenario, args)
    duration = setup.get("duration", args.scenario_duration)
    results = {"what": setup["what"]}
    print("  %s: %s" % (scenario, setup["what"]), flush=True)
    names = ("single", "forker")
    reuse = warm is not None and scenario in RUNTIME_FAULTS and all(name in warm for name in names)
    deployments = warm if reuse else start_each(
        {name: (lambda name=name: start_scenario_deployment(name, scenario, setup, args)) for name in names}, {})
    for name in names:
        reused = reuse
        deployment = deployments[name]
        jvms = 1 if name == "single" else args.workers
        try:
            at = time.monotonic()
            if reused:
                warmup = {"windows_rps": [], "seconds": 0, "reason": "warm from the throughput phase"}
            elif scenario == "leak":
                # Every request counts toward forker.worker.max-requests (and leaks): wrk's warm-up
                # would recycle the workers over and over. Both warm up at the scenario's own rate.
                open_loop(deployment, setup["path"], args.scenario_rate, args.leak_warmup)
                warmup = {"windows_rps": [args.scenario_rate], "seconds": round(time.monotonic() - at, 1),
                          "reason": "fixed"}
            else:
                report = wrk(deployment.port, "hello", args.scenario_warmup, args.warmup_light)
                warmup = {"windows_rps": [round(report["rps"])], "seconds": round(time.monotonic() - at, 1),
                          "reason": "fixed"}
            print_warmup(name, scenario, warmup)
            errors = deployment.error_lines()
            if setup["faults"]:
                set_faults(deployment, scenario, jvms, setup["faults"])
            before = len(deployment.log_lines(EVENTS[scenario]))
            restarts = deployment.restarts
            # No CPU per request here: processes die and start during the run
            report = open_loop(deployment, setup["path"], args.scenario_rate, duration)
            events = deployment.log_lines(EVENTS[scenario])[before:]
            if setup["faults"] and reused and turn_off:
                # Off again, in every JVM (one started again after a crash too)
                set_faults(deployment, scenario + "-off", jvms, {})
            figures = {key: report[key] for key in ("intended_rps", "rps", "requests", "errors", "p50_ms", "p90_ms",
                                                    "p99_ms", "p999_ms", "max_ms")}
            figures["events"] = len(events)
            if name == "single":
                figures["supervisor_restarts"] = deployment.restarts - restarts
            if scenario == "pause":
                pauses = [int(re.search(r"took (\d+) ms", line).group(1)) for line in events]
                figures["pause_ms_median"] = statistics.median(pauses) if pauses else None
                figures["pause_ms_max"] = max(pauses) if pauses else None
            if scenario == "leak":
                figures["deaths"] = sum(1 for line in events if "OutOfMemoryError" in line)
                figures["recycles"] = len(events) - figures["deaths"]
            figures["errors_per_event"] = figures["errors"] / figures["events"] if figures["events"] else None
            figures["warmup"] = warmup
            figures["error_lines"] = deployment.error_lines() - errors
            results[name] = figures
            print("  %-18s %s" % (name, ", ".join("%s=%s" % (key, ("%.4g" % value) if isinstance(value, float)
                                                            else value) for key, value in figures.items()
                                                   if key != "warmup")), flush=True)
        finally:
            if not reused:
                deployment.stop()
                deployment.discard()
    return results


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
    add("all workers serving / one JVM's plain start (%s)" % LABELS[startup], "<= 1.2x",
        round_ratios(rounds, startup, "all_s", "single", "first_s"), lambda v: v <= 1.2)
    add("first worker serving / one JVM's plain start (%s)" % LABELS[startup], "<= 1.0x",
        round_ratios(rounds, startup, "first_s", "single", "first_s"), lambda v: v <= 1.0)
    replaced = "forker" if any("replace_s" in record.get("forker", {}) for record in rounds) else "start-one-at-a-time"
    add("SIGKILLed worker serving again / one JVM's plain start", "<= 0.6x",
        round_ratios(rounds, replaced, "replace_s", "single", "first_s"), lambda v: v <= 0.6)
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
    if args.startup_only or not {"single", "forker"} <= set(args.configs):
        return rows
    for endpoint in [endpoint for endpoint in STATE_ENDPOINTS if endpoint in args.endpoints]:
        failed = state_failures(args, endpoint)
        goals = [("%s requests/s" % STATE_NAMES[endpoint], "rps", ">=")] if "rps" in STATE_TARGETS[endpoint] else []
        if "cpu_ms_per_request" in STATE_TARGETS[endpoint]:
            goals.append(("%s CPU per request" % STATE_NAMES[endpoint], "cpu_ms_per_request", "<="))
        for target, key, sense in goals:
            bound = STATE_TARGETS[endpoint][key]
            goal = "%s %.2fx" % (sense, bound)
            if failed:
                rows.append({"target": target, "goal": goal, "figure": None, "met": False, "failed": failed})
                continue
            add(target, goal, round_ratios(rounds, "forker", "%s.%s" % (endpoint, key), "single"),
                lambda v, bound=bound, sense=sense: v >= bound if sense == ">=" else v <= bound)
        share = summary.get("forker", {}).get("%s.master_cpu_share" % endpoint)
        add("master's share of forker's CPU, %s" % STATE_NAMES[endpoint], "< %g%%" % (100 * MASTER_CPU_SHARE_MAX),
            percent(share), lambda v: v < 100 * MASTER_CPU_SHARE_MAX, unit="%", digits=1)
    return rows


def percent(figure):
    """A summarized fraction (median, min, max) in percent."""
    if figure is None:
        return None
    return dict(figure, **{key: 100 * figure[key] for key in ("median", "min", "max")})


def state_failures(args, endpoint, name=None):
    """Responses that were not 200 (and requests without one) of a shared-state row, warm-up included."""
    return sum(count for (failed_name, failed_endpoint), count in getattr(args, "failed", {}).items()
               if failed_endpoint == endpoint and name in (None, failed_name))


def cell(figures, key, digits=2, unit=""):
    return fmt(figures.get(key), digits, unit)


def ratio_cell(rounds, name, key, base):
    if not base:
        return "1.00x"
    return fmt_ratio(round_ratios(rounds, name, key, base))


def scenario_value(value, digits=1):
    if value is None:
        return "-"
    return "%.*f" % (digits, value) if isinstance(value, float) else str(value)


SCENARIOS = {
    # name: (title, what its figure of merit is)
    "pause": ("A JVM-wide pause (full GC of a large live set)", "full GCs in the window"),
    "crash": ("A crash (Runtime.halt now and then)", "crashes in the window"),
    "leak": ("A slow leak", "JVMs dead of OutOfMemoryError / workers recycled"),
}


def scenario_warmups(scenarios):
    """How the scenarios' deployments were warmed, in words."""
    said = []
    for scenario, (title, _) in SCENARIOS.items():
        warmup = scenarios.get(scenario, {}).get("forker", {}).get("warmup")
        if not warmup:
            continue
        if warmup["reason"] == "warm from the throughput phase":
            how = "the throughput phase's deployments, at steady state after it, with the fault turned on at run time"
        elif scenario == "leak":
            how = "deployments of their own, warmed up at the scenario's rate for %d s" % round(warmup["seconds"])
        else:
            how = "deployments of their own, warmed up with wrk on `/hello` for about %d s" % round(warmup["seconds"])
        said.append("%s: %s" % (scenario, how))
    return "; ".join(said) if said else "warmed up first"


def markdown(meta, summary, rounds, rows, warmups, scenarios, args):
    present = [name for name in args.configs if name in summary]
    lines = ["Measured %s on %s (%d cores, %.0f GiB RAM, %s, Java %s), %d workers (N), same total heap (%d MB) in "
             "every configuration. Startup cache (AOT cache on Java 25, CDS before) for forker's workers: %s. "
             "Command: `%s`; it took %s (%s)." % (
                 meta["date"], meta["machine"], meta["cpus"], meta["ram_gib"], meta["os"], meta["java"],
                 meta["workers"], meta["heap_mb"], "on" if meta["cache"] else "off", meta["command"],
                 "%d min %02d s" % divmod(meta["total_s"], 60),
                 ", ".join("%s %d s" % item for item in meta.get("phases_s", {}).items())),
             "",
             "**Steady state.** Before any figure is measured, each configuration serves the load of that figure "
             "in windows of %g s until two windows in a row are not more than %g%% above the best window "
             "before them (throughput has stopped rising), a JVM's first load first at a light load (%d "
             "connections), where the JIT's compiler threads get the processors instead of sharing them with a "
             "request thread per connection, then at the measured load, for at most %g s in all (%g s for a "
             "shared-state row on a JVM warm already); the windows of every warm-up are "
             "listed at the end. The throughput configurations then stay alive and warm through %d interleaved "
             "rounds (order rotated each round) of %d s per figure. Each figure is the median over rounds, with "
             "min–max in brackets; ratios are medians of per-round ratios." % (
                 meta["warmup_window"], 100 * meta["steady_tolerance"], meta.get("warmup_light", 2),
                 meta["warmup_max"], meta.get("state_warmup_max", meta["warmup_max"]), meta["rounds"],
                 meta["duration"]),
             ""]
    if scenarios:
        lines += ["### Where prefork wins or loses: faults (open loop)", "",
                  "One JVM against forker with N workers (shared mode), %s, then a fixed rate of requests on 64 "
                  "keep-alive connections by `benchmarks/forker-load-client`: latency of *every* request is timed "
                  "from when it was due to be sent, so a stall is charged to every request queued behind it (no "
                  "coordinated omission). One run per scenario." % scenario_warmups(scenarios), "",
                  "| Scenario | Configuration | Requests | Failed | Events | Failed per event | p50 ms | p99 ms "
                  "| p99.9 ms | max ms |",
                  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for scenario, (title, events) in SCENARIOS.items():
            if scenario not in scenarios:
                continue
            for name in ("single", "forker"):
                figures = scenarios[scenario].get(name)
                if not figures:
                    continue
                if scenario == "leak":
                    event_cell = "%d / %d" % (figures["deaths"], figures["recycles"])
                elif scenario == "pause":
                    event_cell = "%d (median %s ms, max %s ms)" % (
                        figures["events"], scenario_value(figures["pause_ms_median"], 0),
                        scenario_value(figures["pause_ms_max"], 0))
                else:
                    event_cell = str(figures["events"])
                lines.append("| %s | %s | %d | %d | %s | %s | %.1f | %.1f | %.1f | %.1f |" % (
                    title, LABELS[name] + (", restarted by a supervisor loop" if name == "single"
                                           and scenario in ("crash", "leak") else ""),
                    figures["requests"] + figures["errors"], figures["errors"], event_cell,
                    scenario_value(figures["errors_per_event"]), figures["p50_ms"], figures["p99_ms"],
                    figures["p999_ms"], figures["max_ms"]))
        lines += [""] + ["* %s: %s; events: %s." % (SCENARIOS[s][0], scenarios[s]["what"], SCENARIOS[s][1])
                         for s in SCENARIOS if s in scenarios]
    throughput = [name for name in present
                  if any("%s.rps" % endpoint in summary[name] for endpoint in ENDPOINTS)]
    if throughput:
        lines += ["", "### Throughput and CPU per request (closed loop, wrk, %d keep-alive connections)" %
                  meta["connections"], "",
                  "nginx: `least_conn` over N plain JVMs with upstream keep-alive (64 idle connections per nginx "
                  "worker), `worker_processes auto`. CPU per request is the `utime + stime` of every server process "
                  "(forker's master, nginx's processes included) over the measured run, divided by the requests "
                  "served.", "",
                  "| Endpoint | Configuration | Requests/s | Ratio | CPU ms per request | Ratio | p50 / p99 ms | Errors |",
                  "|---|---|---:|---:|---:|---:|---:|---:|"]
        for endpoint in ENDPOINTS:
            for name in throughput:
                figures = summary[name]
                if "%s.rps" % endpoint not in figures:
                    continue
                base = BASES.get(name)
                lines.append("| %s | %s | %s | %s | %s | %s | %s / %s | %d |" % (
                    endpoint, LABELS[name], cell(figures, endpoint + ".rps", 0),
                    ratio_cell(rounds, name, endpoint + ".rps", base),
                    cell(figures, endpoint + ".cpu_ms_per_request", 3),
                    ratio_cell(rounds, name, endpoint + ".cpu_ms_per_request", base),
                    cell(figures, endpoint + ".p50_ms"), cell(figures, endpoint + ".p99_ms", 1),
                    figures[endpoint + ".errors"]["max"]))
    state = [name for name in present if any("%s.rps" % endpoint in summary[name] for endpoint in STATE_ENDPOINTS)]
    if state:
        lines += ["", "### Shared state: sessions and cache evictions (closed loop, wrk, %d keep-alive connections)" %
                  meta["connections"], "",
                  "`/me` reads its session through Spring Security: each connection logs in once (`POST /login`, "
                  "Spring Security's form login, which keeps the user's security context in a new session), then "
                  "sends `GET /me`, which requires authentication, with the cookies of those sessions in turn: "
                  "Spring Security reads the context from the session on every request (the logins, one per "
                  "connection, are in the figures). `/session` reads a visit counter from its session and writes "
                  "it back (a session per connection, started by its first request). `/evict` evicts an entry of "
                  "Spring's default cache (`@CacheEvict`), which with forker every worker applies. One JVM keeps "
                  "them in its own memory; forker's workers share them through forker. The master's share is its "
                  "own `utime + stime` over the measured run divided by that of all forker's processes (master "
                  "and workers), from `/proc/<pid>/stat` (10 ms ticks). Every response must be a 200: a row with "
                  "any other, or a request without a response, fails (here, in Targets and in the run's exit "
                  "status).", "",
                  "| Row | Configuration | Requests/s | Ratio | Goal | CPU ms per request | Ratio | Goal "
                  "| Master's share of the CPU | Goal | p50 / p99 ms | Not 200 |",
                  "|---|---|---:|---:|---|---:|---:|---|---:|---|---:|---:|"]
        for endpoint in STATE_ENDPOINTS:
            for name in state:
                figures = summary[name]
                if "%s.rps" % endpoint not in figures:
                    continue
                base = BASES.get(name)
                goals = STATE_TARGETS[endpoint] if name == "forker" else {}
                failed = state_failures(args, endpoint, name)
                lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s |" % (
                    STATE_LABELS[endpoint], LABELS[name], cell(figures, endpoint + ".rps", 0),
                    ratio_cell(rounds, name, endpoint + ".rps", base),
                    ">= %.2fx" % goals["rps"] if "rps" in goals else "",
                    cell(figures, endpoint + ".cpu_ms_per_request", 3),
                    ratio_cell(rounds, name, endpoint + ".cpu_ms_per_request", base),
                    "<= %.2fx" % goals["cpu_ms_per_request"] if "cpu_ms_per_request" in goals else "",
                    fmt(percent(figures.get(endpoint + ".master_cpu_share")), 1, "%"),
                    "< %g%%" % (100 * MASTER_CPU_SHARE_MAX) if name == "forker" else "",
                    cell(figures, endpoint + ".p50_ms"), cell(figures, endpoint + ".p99_ms", 1),
                    "**%d: FAILED**" % failed if failed else "0"))
    hey_names = [name for name in present if "hey.rps" in summary[name]]
    if hey_names:
        lines += ["", "### A new connection per request (`hey -disable-keepalive`, %d concurrent, `/hello`)" %
                  meta["connections"], "",
                  "What accepting and handing out a connection costs: nginx's client connections are new, its "
                  "upstream ones kept alive.", "",
                  "| Configuration | Requests/s | Ratio | CPU ms per request | Ratio | p50 / p99 ms | Errors |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for name in hey_names:
            figures = summary[name]
            base = BASES.get(name)
            lines.append("| %s | %s | %s | %s | %s | %s / %s | %d |" % (
                LABELS[name], cell(figures, "hey.rps", 0), ratio_cell(rounds, name, "hey.rps", base),
                cell(figures, "hey.cpu_ms_per_request", 3), ratio_cell(rounds, name, "hey.cpu_ms_per_request", base),
                cell(figures, "hey.p50_ms"), cell(figures, "hey.p99_ms", 1), figures["hey.errors"]["max"]))
    open_names = [name for name in present if any(key.startswith("alloc_open_") for key in summary[name])]
    if open_names:
        lines += ["", "### alloc at a fixed rate (open loop, latency from the intended send time)", "",
                  "| Load | Configuration | Rate (req/s) | p50 ms | p99 ms | p99.9 ms | p99 ratio | Errors |",
                  "|---|---|---:|---:|---:|---:|---:|---:|"]
        for label in sorted({key.split(".")[0][len("alloc_open_"):] for name in open_names for key in summary[name]
                             if key.startswith("alloc_open_")}, key=int):
            for name in open_names:
                figures = summary[name]
                key = "alloc_open_%s" % label
                if key + ".p99_ms" not in figures:
                    continue
                lines.append("| %s%% of one JVM's capacity | %s | %s | %s | %s | %s | %s | %d |" % (
                    label, LABELS[name], cell(figures, key + ".rps", 0), cell(figures, key + ".p50_ms", 1),
                    cell(figures, key + ".p99_ms", 1), cell(figures, key + ".p999_ms", 1),
                    ratio_cell(rounds, name, key + ".p99_ms", BASES.get(name)), figures[key + ".errors"]["max"]))
    startups = [name for name in present if "all_s" in summary[name] or "pss_mb" in summary[name]]
    startups = [name for name in startups if not name.startswith("grpc")]
    if startups:
        lines += ["", "### Start-up and memory", "",
                  "Start-up: launch until the first and until every worker serves, each configuration started "
                  "once per round. Memory (PSS, shared pages counted once) of the throughput configurations "
                  "after their load, of the others after start-up.", "",
                  "| Configuration | First serving (s) | All serving (s) | All / one JVM | Master overhead (s) | "
                  "Killed worker serving again (s) | PSS MB (all) | RSS MB (all) | Master PSS MB |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for name in startups:
            figures = summary[name]
            base = "boot40-single" if name == "boot40-forker" else (None if name in ("single", "boot40-single")
                                                                    else "single")
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                LABELS[name], cell(figures, "first_s"), cell(figures, "all_s"),
                (fmt_ratio(round_ratios(rounds, name, "all_s", base, "first_s")) if base else
                 ("1.00x" if "all_s" in figures else "-")) if "all_s" in figures else "-",
                cell(figures, "master_overhead_s"), cell(figures, "replace_s"), cell(figures, "pss_mb", 0),
                cell(figures, "rss_mb", 0), cell(figures, "master_pss_mb", 0)))
    if "grpc-single" in summary and "grpc-forker" in summary:
        lines += ["", "### gRPC unary calls (closed loop, 8 channels, grpc-java client)", "",
                  "| Configuration | Calls/s | Ratio | CPU ms per call | p50 ms | p99 ms | Errors |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for name in ("grpc-single", "grpc-forker"):
            figures = summary[name]
            lines.append("| %s | %s | %s | %s | %s | %s | %d |" % (
                LABELS[name], cell(figures, "rps", 0), ratio_cell(rounds, name, "rps", BASES.get(name)),
                cell(figures, "cpu_ms_per_call", 3), cell(figures, "p50_ms"), cell(figures, "p99_ms"),
                figures["errors"]["max"]))
    lines += ["", "### Targets", "", "| Target | Measured | Goal | |", "|---|---:|---:|---|"]
    for row in rows:
        if row.get("failed"):
            lines.append("| %s | **failed: %d requests without a 200** | %s | **not met** |" % (
                row["target"], row["failed"], row["goal"]))
        elif row["figure"] is None:
            lines.append("| %s | not measured | %s | |" % (row["target"], row["goal"]))
        else:
            lines.append("| %s | %s | %s | %s |" % (row["target"], fmt(row["figure"], row["digits"], row["unit"]),
                                                   row["goal"], "met" if row["met"] else "**not met**"))
    errors = {name: int(summary[name]["error_lines"]["max"]) for name in present if "error_lines" in summary[name]}
    for scenario in scenarios:
        for name in ("single", "forker"):
            if name in scenarios[scenario]:
                errors["%s, %s scenario" % (name, scenario)] = scenarios[scenario][name]["error_lines"]
    lines += ["", "ERROR lines in the server logs, most in one round: %s." % (
        ", ".join("%s %d" % (LABELS.get(name, name), count) for name, count in errors.items()))]
    if warmups:
        lines += ["", "### Warm-up windows", "",
                  "Requests/s of each warm-up window (%g s each), at the light load (a JVM's first load) then at the measured load, "
                  "until throughput stopped rising (`steady`) or the cap (`cap`: half of the %g s for the light "
                  "stage, the rest for the measured load)." % (meta["warmup_window"], meta["warmup_max"]), "",
                  "| Configuration | Load | Windows (requests/s) | Seconds | Ended |", "|---|---|---|---:|---|"]
        for name, loads in warmups.items():
            for load, warmup in loads.items():
                lines.append("| %s | %s | %s | %.0f | %s |" % (
                    LABELS.get(name, name), load, warmup_windows(warmup), warmup["seconds"], warmup["reason"]))
    return "\n".join(lines) + "\n"


def chart(summary, rounds, scenarios, args, path):
    """One figure: where forker wins and where it costs, against one JVM and nginx."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    palette = {"single": "#888888", "forker-1": "#9cc7ea", "forker": "#2a7ab9", "forker-reuseport": "#5aa9e6",
               "nginx": "#d98c3a", "grpc-single": "#888888", "grpc-forker": "#2a7ab9"}
    throughput = [name for name in THROUGHPUT if name in summary]
    panels = [("locked (global lock): requests/s", throughput, "locked.rps", False),
              ("alloc: requests/s", throughput, "alloc.rps", False),
              ("hello: requests/s", throughput, "hello.rps", False),
              ("hello: CPU ms per request", throughput, "hello.cpu_ms_per_request", False),
              ("new connection per request (hey): requests/s", throughput, "hey.rps", False)]
    panels = [panel for panel in panels if any(panel[2] in summary[name] for name in panel[1])]
    scenario_panels = [(scenario, title, key) for scenario, title, key in (
        ("pause", "full GC every few s: p99.9 ms", "p999_ms"),
        ("crash", "crashes: failed requests per crash", "errors_per_event"),
        ("leak", "slow leak: failed requests", "errors")) if scenario in scenarios]
    # forker shared / one JVM on the shared-state rows, with each row's goal
    state = [(endpoint, statistics.median(ratios)) for endpoint, ratios in (
        (endpoint, round_ratios(rounds, "forker", "%s.rps" % endpoint, "single")) for endpoint in STATE_ENDPOINTS)
        if ratios]
    count = len(panels) + len(scenario_panels) + (1 if state else 0)
    if count == 0:
        return
    columns = (count + 1) // 2 if count > 3 else count
    rows = (count + columns - 1) // columns
    figure, grid = plt.subplots(rows, columns, figsize=(2.9 * columns, 3.9 * rows), squeeze=False)
    axes = [axis for row in grid for axis in row]
    for axis in axes[count:]:
        axis.set_visible(False)
    for axis, (title, names, key, log) in zip(axes, panels):
        names = [name for name in names if key in summary[name]]
        medians = [summary[name][key]["median"] for name in names]
        low = [summary[name][key]["median"] - summary[name][key]["min"] for name in names]
        high = [summary[name][key]["max"] - summary[name][key]["median"] for name in names]
        axis.bar(range(len(names)), medians, color=[palette.get(name, "#444444") for name in names],
                 yerr=[low, high], capsize=3, ecolor="#222222")
        axis.set_title(title, fontsize=8, wrap=True)
        axis.set_xticks(range(len(names)))
        axis.set_xticklabels([SHORT[name] for name in names], rotation=40, ha="right", fontsize=7)
    for axis, (scenario, title, key) in zip(axes[len(panels):], scenario_panels):
        names = [name for name in ("single", "forker") if name in scenarios[scenario]]
        values = [scenarios[scenario][name].get(key) or 0 for name in names]
        axis.bar(range(len(names)), values, color=[palette[name] for name in names])
        for x, value in enumerate(values):
            axis.annotate("%.0f" % value, (x, value), ha="center", va="bottom", fontsize=7)
        axis.set_title(title, fontsize=8, wrap=True)
        axis.set_xticks(range(len(names)))
        axis.set_xticklabels([SHORT[name] for name in names], rotation=40, ha="right", fontsize=7)
    if state:
        axis = axes[len(panels) + len(scenario_panels)]
        axis.bar(range(len(state)), [ratio for _, ratio in state], color=palette["forker"])
        for x, (endpoint, ratio) in enumerate(state):
            axis.annotate("%.2fx" % ratio, (x, ratio), ha="center", va="bottom", fontsize=7)
            axis.hlines(STATE_TARGETS[endpoint]["rps"], x - 0.4, x + 0.4, colors="#222222", linestyles="dashed")
        axis.set_title("shared state: forker / one JVM, requests/s (dashes: goals)", fontsize=8, wrap=True)
        axis.set_xticks(range(len(state)))
        axis.set_xticklabels(["/" + endpoint for endpoint, _ in state], rotation=40, ha="right", fontsize=7)
    figure.suptitle("forker (blue) against one JVM (grey) and nginx + N JVMs (orange): medians of %d rounds, "
                    "whiskers min–max; the fault panels (open loop) are one run each" % len(rounds), fontsize=9)
    figure.tight_layout()
    figure.savefig(path, dpi=90)


# -- main ---------------------------------------------------------------------------------

THROUGHPUT = ["single", "forker-1", "forker", "forker-reuseport", "nginx"]
# Which configurations each endpoint runs on, to keep the default run within 15 minutes:
# forker's own cost (1 worker) shows on hello, the modes differ in how connections spread,
# not in what a request costs once there; a session or an eviction means the same only
# where the application is one
MATRIX = {"hello": THROUGHPUT, "alloc": ["single", "forker", "nginx"],
          "locked": ["single", "forker", "nginx"],
          "session": ["single", "forker"], "evict": ["single", "forker"]}
STARTUP = ["single", "forker", "start-all-at-once", "start-one-at-a-time", "start-no-cache", "boot40-single",
           "boot40-forker"]
GRPC = ["grpc-single", "grpc-forker"]
GRPC_CHANNELS = 8
LABELS = {
    "single": "one JVM",
    "forker-1": "forker, 1 worker",
    "forker": "forker shared",
    "forker-reuseport": "forker reuseport",
    "nginx": "nginx + N JVMs",
    "start-all-at-once": "forker, all workers start at once",
    "start-one-at-a-time": "forker, one worker starts at a time",
    "start-no-cache": "forker without startup cache",
    "boot40-single": "JPA + Thymeleaf sample, one JVM",
    "boot40-forker": "JPA + Thymeleaf sample, forker",
    "grpc-single": "gRPC sample, one JVM",
    "grpc-forker": "gRPC sample, forker",
    "hey": "a new connection per request (hey)",
    "pause": "scenario: a JVM-wide pause",
    "crash": "scenario: a crash",
    "leak": "scenario: a slow leak",
}
SHORT = {"single": "one JVM", "forker-1": "forker 1 worker", "forker": "forker shared",
         "forker-reuseport": "forker reuseport", "nginx": "nginx + N JVMs"}
# What each configuration's ratios are taken against
BASES = {name: "single" for name in THROUGHPUT + STARTUP if name != "single"}
BASES.update({"boot40-single": None, "boot40-forker": "boot40-single", "grpc-forker": "grpc-single"})
SELECTABLE = list(dict.fromkeys(THROUGHPUT + STARTUP + GRPC + ["hey", "pause", "crash", "leak"]))
# The start-up phase of the default run: the start-up targets. --startup-only runs every STARTUP
# configuration (without the startup cache, the JPA + Thymeleaf sample); gRPC runs when asked for
# (--configs grpc-single,grpc-forker): the default run keeps to its 15 minutes on 2 cores
DEFAULT_CONFIGS = ["single", "forker-1", "forker", "forker-reuseport", "nginx", "hey", "pause", "crash", "leak",
                   "start-all-at-once", "start-one-at-a-time"]
# --quick: forker's own cost (1 worker), forker against one JVM and nginx, the scenarios; the
# modes compared in the default run only
QUICK_CONFIGS = ["single", "forker-1", "forker", "nginx", "hey", "pause", "crash", "leak"]


def prepare_cache(args):
    """First starts with the cache on prepare it; the rounds then measure prepared starts."""
    shutil.rmtree(CACHE, ignore_errors=True)
    prepared = {}
    for name, jar in (("benchmark", BENCH_JAR), ("boot40", BOOT40_JAR)):
        if name == "boot40" and not any(c.startswith("boot40") for c in args.configs):
            continue
        started = time.monotonic()
        deployment = start_forker(args.java, jar, args.workers, args.heap_mb)
        deployment.stop()
        deployment.discard()
        prepared[name] = round(time.monotonic() - started, 2)
        print("  %s: startup cache prepared and first start done in %.1f s" % (name, prepared[name]), flush=True)
    return prepared


def on_signal(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="a shorter run (at most 5 minutes on 2 cores): 2 rounds of shorter loads and scenarios, without "
                             "forker reuseport, the start-up phase and the open loop, hey on one JVM and forker "
                             "shared only; "
                             "writes quick.* unless --output is given")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 3, --quick 2)")
    parser.add_argument("--duration", type=int, default=None,
                        help="seconds of each measured closed-loop and hey run (default 3, --quick 2)")
    parser.add_argument("--warmup-window", type=float, default=None,
                        help="seconds of each warm-up window (default 2, --quick 1)")
    parser.add_argument("--warmup-max", type=float, default=None,
                        help="most seconds of warm-up per configuration and load, both stages (default 30, --quick 6)")
    parser.add_argument("--warmup-light", type=int, default=2,
                        help="connections (gRPC: channels) of the light first stage of a JVM's first warm-up (default 2)")
    parser.add_argument("--steady-tolerance", type=float, default=0.03,
                        help="warm-up ends when two windows in a row are not more than this fraction above the best "
                             "window before them (default 0.03)")
    parser.add_argument("--open-duration", type=int, default=None,
                        help="seconds of each open-loop alloc run (default 4, --quick 2), after 1 s of warm-up")
    parser.add_argument("--open-loads", default=None,
                        help="comma-separated loads of the open-loop alloc runs, in %% of one JVM's alloc capacity "
                             "(default 50, --quick none; 80 shows the queueing near saturation, with a wide spread)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--heap-mb", type=int, default=1024, help="total heap of every configuration")
    parser.add_argument("--workers", type=int, default=os.cpu_count(),
                        help="N: forker's workers and nginx's JVMs (default: the processors)")
    parser.add_argument("--scenario-rate", type=int, default=1000, help="requests/s of the fault scenarios")
    parser.add_argument("--scenario-duration", type=int, default=None,
                        help="seconds of the pause and crash scenarios (default 12, --quick 6)")
    parser.add_argument("--scenario-warmup", type=int, default=None,
                        help="seconds of /hello warm-up of a pause or crash scenario's own deployments (default 10, "
                             "--quick 4); with the throughput phase in the run, they reuse its warm deployments")
    parser.add_argument("--leak-duration", type=int, default=None,
                        help="seconds of the leak scenario (default 30, --quick 8); the leak fills one JVM's heap "
                             "in about half of it")
    parser.add_argument("--pause-live-mb", type=int, default=128, help="live set of every JVM in the pause scenario")
    parser.add_argument("--pause-interval-ms", type=int, default=3000, help="System.gc() interval of every JVM")
    parser.add_argument("--crashes", type=int, default=4,
                        help="crashes the crash scenario aims at (it sets bench.crash.every from it)")
    parser.add_argument("--java", default=default_java(), help="the java executable (default: Java 25 if present)")
    parser.add_argument("--no-cache", dest="cache", action="store_false",
                        help="forker's workers without the startup cache")
    parser.add_argument("--start-concurrency", type=int, default=0,
                        help="the forker.worker.start-concurrency the startup targets are judged on")
    parser.add_argument("--startup-only", action="store_true",
                        help="start-up and memory figures only, of every start-up configuration (with those without "
                             "the startup cache and of the JPA + Thymeleaf sample, which the default run leaves out); "
                             "writes startup.* unless --output is given")
    parser.add_argument("--endpoints", default=None,
                        help="comma-separated subset of the closed-loop endpoints: " + ", ".join(
                            ENDPOINTS + STATE_ENDPOINTS) + " (default all; --quick " + ", ".join(ENDPOINTS) + ")")
    parser.add_argument("--state", action="store_true",
                        help="with --quick: also the shared-state rows (" + ", ".join(STATE_ENDPOINTS) + "), which "
                             "the default run has")
    parser.add_argument("--state-warmup-max", type=float, default=None,
                        help="most seconds of warm-up of a shared-state row on a JVM warm already (default 12, "
                             "--quick 6)")
    parser.add_argument("--configs", default=None,
                        help="comma-separated subset of configurations and scenarios: " + ", ".join(SELECTABLE))
    parser.add_argument("--output", default=None, help="name of the result files (default latest, --quick quick)")
    parser.add_argument("--chart-only", action="store_true",
                        help="draw the chart again from the result file's JSON, without measuring")
    args = parser.parse_args()
    args.output = args.output or ("quick" if args.quick else "startup" if args.startup_only else "latest")
    if args.chart_only:
        with open(os.path.join(RESULTS, args.output + ".json")) as file:
            saved = json.load(file)
        args.configs = list(saved["summary"])
        chart(saved["summary"], saved["rounds"], saved.get("scenarios", {}), args,
              os.path.join(RESULTS, args.output + ".png"))
        return
    args.rounds = args.rounds or (2 if args.quick else 3)
    args.duration = args.duration or (2 if args.quick else 3)
    args.warmup_window = args.warmup_window or (1 if args.quick else 2)
    args.warmup_max = args.warmup_max or (6 if args.quick else 30)
    args.open_duration = args.open_duration or (2 if args.quick else 4)
    args.open_warmup = 1
    args.open_loads = [load.strip() for load in (args.open_loads if args.open_loads is not None
                                                 else "" if args.quick else "50").split(",") if load.strip()]
    args.scenario_duration = args.scenario_duration or (6 if args.quick else 12)
    args.scenario_warmup = args.scenario_warmup or (4 if args.quick else 10)
    args.leak_duration = args.leak_duration or (8 if args.quick else 30)
    args.leak_warmup = 3
    args.state_warmup_max = min(args.warmup_max, args.state_warmup_max or (6 if args.quick else 12))
    args.open_rates = {}
    args.failed = {}
    args.default_configs = not args.configs
    args.configs = args.configs.split(",") if args.configs else (
        QUICK_CONFIGS if args.quick else STARTUP if args.startup_only else DEFAULT_CONFIGS)
    unknown = [name for name in args.configs if name not in SELECTABLE]
    if unknown:
        sys.exit("Unknown configuration(s): %s; choose from %s" % (", ".join(unknown), ", ".join(SELECTABLE)))
    args.endpoints = [name.strip() for name in args.endpoints.split(",") if name.strip()] if args.endpoints else (
        ENDPOINTS + (STATE_ENDPOINTS if args.state else []) if args.quick else ENDPOINTS + STATE_ENDPOINTS)
    unknown = [name for name in args.endpoints if name not in ENDPOINTS + STATE_ENDPOINTS]
    if unknown or not args.endpoints:
        sys.exit("Unknown endpoint(s): %s; choose from %s" % (", ".join(unknown),
                                                              ", ".join(ENDPOINTS + STATE_ENDPOINTS)))
    # In the order they run
    args.endpoints = [name for name in ENDPOINTS + STATE_ENDPOINTS if name in args.endpoints]
    if args.startup_only:
        args.configs = [name for name in args.configs if name in STARTUP]
    for jar in (BENCH_JAR, LOAD_JAR) + ((BOOT40_JAR,) if any(c.startswith("boot40") for c in args.configs) else ()) \
            + ((GRPC_JAR,) if any(c.startswith("grpc") for c in args.configs) else ()):
        if not os.path.isfile(jar):
            sys.exit("Missing %s: build first (benchmarks/run.sh does)" % jar)
    for tool, needed in (("wrk", True), ("hey", "hey" in args.configs),
                         ("nginx", "nginx" in args.configs and not os.path.exists("/usr/sbin/nginx"))):
        if needed and not shutil.which(tool):
            sys.exit("Missing %s: benchmarks/run.sh installs it" % tool)
    os.makedirs(RESULTS, exist_ok=True)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    started = args.started = time.monotonic()
    args.phase, args.phases = None, {}
    rounds = [{} for _ in range(args.rounds)]
    warmups, scenarios, prepared = {}, {}, {}
    try:
        enter_phase(args, "preparing")
        prepared = prepare_cache(args) if args.cache else {}
        # --quick leaves the start-up phase out (single and forker are throughput configurations too)
        startup = [name for name in args.configs if name in STARTUP and not (args.quick and name in THROUGHPUT)]
        if max(1, os.cpu_count() // 2) == 1 and "start-one-at-a-time" in startup and "forker" in startup:
            # forker's default start-concurrency (half the processors) is one at a time here: measured once
            startup.remove("forker")
        if startup:
            enter_phase(args, "start-up")
            print("  %s" % ", ".join(startup), flush=True)
            phase_startup(args, startup, rounds)
        throughput = [name for name in args.configs if name in THROUGHPUT] if not args.startup_only else []
        if throughput:
            enter_phase(args, "throughput")
            print("  %s" % ", ".join(throughput), flush=True)
            phase_throughput(args, throughput, rounds, warmups, scenarios)
        for scenario in ("pause", "crash", "leak"):
            if scenario in args.configs and scenario not in scenarios and not args.startup_only:
                enter_phase(args, "scenario %s" % scenario)
                scenarios[scenario] = run_scenario(scenario, args)
        grpc = [name for name in args.configs if name in GRPC] if not args.startup_only else []
        if grpc:
            enter_phase(args, "gRPC")
            print("  %s" % ", ".join(grpc), flush=True)
            phase_grpc(args, grpc, rounds, warmups)
    except KeyboardInterrupt:
        print("\nInterrupted: stopping every server started", file=sys.stderr, flush=True)
        stop_all(list(ALIVE))
        sys.exit(130)
    finally:
        stop_all(list(ALIVE))
    enter_phase(args, None)
    java = subprocess.run([args.java, "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    meta = {"date": datetime.date.today().isoformat(), "machine": platform.node() or "this machine",
            "cpus": os.cpu_count(), "ram_gib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30,
            "os": "%s %s" % (platform.system(), platform.release()),
            "java": java.split('"')[1] if '"' in java else java, "rounds": args.rounds, "workers": args.workers,
            "heap_mb": args.heap_mb, "connections": args.connections, "duration": args.duration,
            "warmup_window": args.warmup_window, "warmup_max": args.warmup_max, "warmup_light": args.warmup_light,
            "endpoints": args.endpoints, "state_warmup_max": args.state_warmup_max,
            "scenario_warmup": args.scenario_warmup, "phases_s": args.phases,
            "steady_tolerance": args.steady_tolerance, "open_duration": args.open_duration, "cache": args.cache,
            "open_loop_rates": args.open_rates, "cache_prepared_s": prepared,
            "scenario_rate": args.scenario_rate, "scenario_duration": args.scenario_duration,
            "leak_duration": args.leak_duration,
            "command": "benchmarks/run.sh" + ("".join(" " + a for a in sys.argv[1:])),
            "total_s": round(time.monotonic() - started)}
    rounds = [record for record in rounds if record]
    summary = summarize(rounds)
    rows = targets(rounds, summary, args)
    table = markdown(meta, summary, rounds, rows, warmups, scenarios, args)
    with open(os.path.join(RESULTS, args.output + ".json"), "w") as file:
        json.dump({"meta": meta, "summary": summary, "targets": rows, "scenarios": scenarios, "warmups": warmups,
                   "failed": ["%s %s: %d not 200" % (name, endpoint, count)
                              for (name, endpoint), count in args.failed.items()],
                   "rounds": rounds}, file, indent=1)
    with open(os.path.join(RESULTS, args.output + ".md"), "w") as file:
        file.write(table)
    chart(summary, rounds, scenarios, args, os.path.join(RESULTS, args.output + ".png"))
    print()
    print(table)
    elapsed = time.monotonic() - started
    print("Elapsed: %d min %02d s; results in %s/%s.{md,json,png}" % (elapsed // 60, elapsed % 60, RESULTS,
                                                                      args.output))
    if args.failed:
        sys.exit("FAILED rows, with responses that were not 200: %s" % ", ".join(
            "%s %s (%d)" % (name, endpoint, count) for (name, endpoint), count in args.failed.items()))


if __name__ == "__main__":
    main()
