#!/usr/bin/env python3
"""Side-by-side benchmark of forker against one JVM and against N JVMs behind nginx.

Run it through benchmarks/run.sh, which installs wrk, nginx and matplotlib and builds
the application first. Every configuration gets the same total heap. Results go to
benchmarks/results/: latest.json (raw figures), latest.md (table) and benchmark.png.
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
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "benchmarks/forker-benchmark-app/target/forker-benchmark-app-0.1.0-SNAPSHOT.jar")
RESULTS = os.path.join(ROOT, "benchmarks/results")
LUA = os.path.join(ROOT, "benchmarks/lua/report.lua")
CDS_CACHE = os.path.join(ROOT, "benchmarks/forker-benchmark-app/target/cds-cache")
ENDPOINTS = ["hello", "alloc", "locked"]
JAVA = os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/java-17-openjdk-amd64"), "bin/java")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, timeout=2.0):
    request = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), headers={"Connection": "close"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, response.read().decode()


def worker_of(port):
    try:
        status, body = get(port, "/worker", timeout=1.0)
        if status == 200:
            answer = json.loads(body)
            return answer["worker"], answer["pid"]
    except Exception:
        pass
    return None


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid):
    found, frontier = [], [pid]
    children_of = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                    children_of.setdefault(int(fields[1]), []).append(int(entry))
            except OSError:
                pass
    while frontier:
        current = frontier.pop()
        for child in children_of.get(current, []):
            found.append(child)
            frontier.append(child)
    return found


def wait_until(condition, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("condition not met within %ss" % timeout)


def wrk(port, endpoint, duration, connections, threads):
    command = ["wrk", "-t%d" % threads, "-c%d" % connections, "-d%ds" % duration, "--timeout", "10s",
               "-s", LUA, "http://127.0.0.1:%d/%s" % (port, endpoint)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^REPORT (\{.*\})$", output, re.MULTILINE)
    if not match:
        raise RuntimeError("wrk printed no report:\n" + output)
    return json.loads(match.group(1))


class Deployment:
    """A running configuration: its processes, the port clients use, its memory."""

    def __init__(self, name, label):
        self.name = name
        self.label = label
        self.processes = []
        self.port = None
        self.logs = []
        self.temp = tempfile.mkdtemp(prefix="forker-bench-")

    def spawn(self, command, log_name):
        log = open(os.path.join(self.temp, log_name), "w")
        self.logs.append(log)
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=self.temp)
        self.processes.append(process)
        return process

    def all_pids(self):
        pids = []
        for process in self.processes:
            if process.poll() is None:
                pids.append(process.pid)
                pids.extend(descendants(process.pid))
        return sorted(set(pids))

    def rss_mb(self):
        return sum(rss_kb(pid) for pid in self.all_pids()) / 1024.0

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 60
        for process in self.processes:
            try:
                process.wait(max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                for pid in descendants(process.pid):
                    os.kill(pid, signal.SIGKILL)
                process.kill()
                process.wait()
        for log in self.logs:
            log.close()
        shutil.rmtree(self.temp, ignore_errors=True)


def start_single(heap_mb):
    deployment = Deployment("single", "one JVM")
    deployment.port = free_port()
    launched = time.monotonic()
    deployment.spawn([JAVA, "-Xmx%dm" % heap_mb, "-jar", JAR, "--server.port=%d" % deployment.port], "single.log")
    wait_until(lambda: worker_of(deployment.port), 120)
    deployment.startup = time.monotonic() - launched
    return deployment


def start_forker(mode, workers, heap_mb, jvm_args="", cds=False):
    name = "forker-%s%s" % (mode, "-cds" if cds else "")
    deployment = Deployment(name, "forker %s (%d workers%s)" % (mode, workers, ", CDS" if cds else ""))
    extra = [a for a in jvm_args.split(",") if a]
    options = ["--forker.worker.class-data-sharing.enabled=true",
               "--forker.worker.class-data-sharing.directory=" + CDS_CACHE] if cds else []
    deployment.port = free_port()
    launched = time.monotonic()
    system = [o for o in options if o.startswith("-D")]
    master = deployment.spawn([JAVA] + system + ["-jar", JAR, "--server.port=%d" % deployment.port, "--forker.enabled=true",
                               "--forker.workers=%d" % workers, "--forker.mode=%s" % mode,
                               "--forker.worker.jvm-args=" + ",".join(["-Xmx%dm" % (heap_mb // workers)] + extra),
                               "--forker.restart.initial-backoff=100ms"] + [o for o in options if o.startswith("--")],
                              "forker.log")
    deployment.master = master
    seen = {}

    def all_workers_serve():
        answer = worker_of(deployment.port)
        if answer:
            seen[answer[0]] = answer[1]
        return len(seen) == workers
    wait_until(all_workers_serve, 120, interval=0.005)
    deployment.startup = time.monotonic() - launched
    deployment.workers = dict(seen)
    return deployment


def start_nginx(workers, heap_mb):
    deployment = Deployment("nginx", "nginx + %d JVMs" % workers)
    ports = [free_port() for _ in range(workers)]
    deployment.port = free_port()
    launched = time.monotonic()
    for index, port in enumerate(ports):
        deployment.spawn([JAVA, "-Xmx%dm" % (heap_mb // workers), "-jar", JAR, "--server.port=%d" % port],
                         "instance-%d.log" % index)
    upstream = "".join("    server 127.0.0.1:%d;\n" % port for port in ports)
    temp = deployment.temp
    config = """worker_processes %d;
pid %s/nginx.pid;
error_log %s/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %s/client_body;
  proxy_temp_path %s/proxy;
  fastcgi_temp_path %s/fastcgi;
  uwsgi_temp_path %s/uwsgi;
  scgi_temp_path %s/scgi;
  upstream app {
%s    keepalive 128;
  }
  server {
    listen 127.0.0.1:%d;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
""" % (workers, temp, temp, temp, temp, temp, temp, temp, upstream, deployment.port)
    with open(os.path.join(temp, "nginx.conf"), "w") as file:
        file.write(config)
    for port in ports:
        wait_until(lambda port=port: worker_of(port), 120, interval=0.005)
    deployment.spawn(["nginx", "-c", os.path.join(temp, "nginx.conf"), "-g", "daemon off;"], "nginx.log")
    wait_until(lambda: worker_of(deployment.port), 30, interval=0.005)
    deployment.startup = time.monotonic() - launched
    return deployment


def replacement_time(deployment):
    """SIGKILL worker 1 and time until a new process answers as worker 1."""
    old = deployment.workers[1]
    killed = time.monotonic()
    os.kill(old, signal.SIGKILL)

    def replaced():
        answer = worker_of(deployment.port)
        return answer and answer[0] == 1 and answer[1] != old
    wait_until(replaced, 120, interval=0.005)
    return time.monotonic() - killed


def measure(deployment, args):
    result = {"name": deployment.name, "label": deployment.label, "startup_s": round(deployment.startup, 2),
              "endpoints": {}}
    for endpoint in ENDPOINTS:
        wrk(deployment.port, endpoint, args.warmup, args.connections, args.threads)
        report = wrk(deployment.port, endpoint, args.duration, args.connections, args.threads)
        report["rss_mb"] = round(deployment.rss_mb(), 1)
        result["endpoints"][endpoint] = report
        print("  %-7s %9.0f req/s  p50 %6.2f ms  p99 %7.2f ms  p99.9 %7.2f ms  errors %d  rss %6.0f MB" % (
            endpoint, report["rps"], report["p50_ms"], report["p99_ms"], report["p999_ms"], report["errors"],
            report["rss_mb"]), flush=True)
    result["rss_mb"] = max(e["rss_mb"] for e in result["endpoints"].values())
    if hasattr(deployment, "master"):
        result["master_rss_mb"] = round(rss_kb(deployment.master.pid) / 1024.0, 1)
        result["replace_s"] = round(replacement_time(deployment), 2)
    return result


def ratio(value, base):
    return value / base if base else float("nan")


def markdown(results, meta):
    single = next(r for r in results if r["name"] == "single")
    lines = ["Measured %s on %s (%d cores, %.0f GiB RAM, %s, Java %s), %d-second wrk runs (%d threads, "
             "%d connections) after a %d-second warm-up, same total heap (%d MB) everywhere. Ratios are against "
             "one JVM." % (meta["date"], meta["machine"], meta["cpus"], meta["ram_gib"], meta["os"], meta["java"],
                           meta["duration"], meta["threads"], meta["connections"], meta["warmup"], meta["heap_mb"]),
             "",
             "| Endpoint | Configuration | Requests/s | Ratio | p50 ms | p99 ms | p99.9 ms | Errors | RSS MB (all processes) |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for endpoint in ENDPOINTS:
        base = single["endpoints"][endpoint]
        for result in results:
            e = result["endpoints"][endpoint]
            lines.append("| %s | %s | %.0f | %.2fx | %.2f | %.2f | %.2f | %d | %.0f |" % (
                endpoint, result["label"], e["rps"], ratio(e["rps"], base["rps"]), e["p50_ms"], e["p99_ms"],
                e["p999_ms"], e["errors"], e["rss_mb"]))
    lines += ["", "| Configuration | Launch until every process serves (s) | Ratio | Master RSS MB | SIGKILLed worker replaced (s) |",
              "|---|---:|---:|---:|---:|"]
    for result in results:
        lines.append("| %s | %.2f | %.2fx | %s | %s |" % (
            result["label"], result["startup_s"], ratio(result["startup_s"], single["startup_s"]),
            "%.0f" % result["master_rss_mb"] if "master_rss_mb" in result else "-",
            "%.2f" % result["replace_s"] if "replace_s" in result else "-"))
    return "\n".join(lines) + "\n"


def targets(results):
    by_name = {r["name"]: r for r in results}
    single, nginx = by_name.get("single"), by_name.get("nginx")
    if single is None:
        return ""
    forkers = [r for r in results if r["name"].startswith("forker")]
    rows = []

    def add(name, value, goal, met):
        rows.append("| %s | %s | %s | %s |" % (name, value, goal, "met" if met else "**not met**"))

    for f in forkers:
        locked = ratio(f["endpoints"]["locked"]["rps"], single["endpoints"]["locked"]["rps"])
        add("locked throughput, %s" % f["label"], "%.2fx" % locked, ">= 1.8x", locked >= 1.8)
        alloc = ratio(f["endpoints"]["alloc"]["p99_ms"], single["endpoints"]["alloc"]["p99_ms"])
        add("alloc p99, %s" % f["label"], "%.2fx" % alloc, "<= 0.5x", alloc <= 0.5)
        hello = ratio(f["endpoints"]["hello"]["rps"], single["endpoints"]["hello"]["rps"])
        add("hello throughput, %s" % f["label"], "%.2fx" % hello, ">= 1.0x", hello >= 1.0)
        if nginx is not None:
            versus = ratio(f["endpoints"]["hello"]["rps"], nginx["endpoints"]["hello"]["rps"])
            add("hello vs nginx + N JVMs, %s" % f["label"], "%.2fx" % versus, ">= 1.3x", versus >= 1.3)
        add("master RSS, %s" % f["label"], "%.0f MB" % f["master_rss_mb"], "<= 80 MB", f["master_rss_mb"] <= 80)
        startup = ratio(f["startup_s"], single["startup_s"])
        add("all workers serving, %s" % f["label"], "%.2fx" % startup, "<= 1.5x", startup <= 1.5)
    return "| Target | Measured | Goal | |\n|---|---:|---:|---|\n" + "\n".join(rows) + "\n"


def chart(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    labels = [r["label"] for r in results]
    palette = {"single": "#888888", "forker-shared": "#2a7ab9", "forker-reuseport": "#5aa9e6",
               "forker-shared-cds": "#1b4f7a", "nginx": "#d98c2b"}
    colors = [palette.get(r["name"], "#444444") for r in results]
    panels = [("hello: requests/s", "hello", "rps"), ("locked: requests/s", "locked", "rps"),
              ("alloc: p99 latency (ms)", "alloc", "p99_ms"), ("alloc: requests/s", "alloc", "rps")]
    figure, axes = plt.subplots(1, len(panels) + 1, figsize=(20, 4.6))
    for axis, (title, endpoint, key) in zip(axes, panels):
        values = [r["endpoints"][endpoint][key] for r in results]
        axis.bar(range(len(values)), values, color=colors)
        axis.set_title(title)
        axis.set_xticks(range(len(values)))
        axis.set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
    memory = [r["rss_mb"] for r in results]
    axes[-1].bar(range(len(memory)), memory, color=colors)
    axes[-1].set_title("resident memory, all processes (MB)")
    axes[-1].set_xticks(range(len(memory)))
    axes[-1].set_xticklabels(labels, rotation=30, ha="right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=90)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10, help="seconds of each measured wrk run")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of wrk warm-up before each run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1,
                        help="wrk threads; one is enough for these rates and leaves the servers more CPU")
    parser.add_argument("--heap-mb", type=int, default=1024, help="total heap of every configuration")
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    parser.add_argument("--output", default="", help="name of the result files (default: latest)")
    parser.add_argument("--configs", default="single,forker-shared,forker-reuseport,forker-shared-cds,nginx",
                        help="comma-separated subset of single, forker-shared, forker-reuseport, "
                             "forker-shared-cds, nginx")
    parser.add_argument("--worker-jvm-args", default="",
                        help="extra JVM options for forker's workers, comma-separated (an experiment)")
    args = parser.parse_args()
    if not os.path.isfile(JAR):
        sys.exit("Build the application first: benchmarks/run.sh does")
    os.makedirs(RESULTS, exist_ok=True)
    started = time.monotonic()
    starters = [("single", lambda: start_single(args.heap_mb)),
                ("forker-shared", lambda: start_forker("shared", args.workers, args.heap_mb, args.worker_jvm_args)),
                ("forker-reuseport",
                 lambda: start_forker("reuseport", args.workers, args.heap_mb, args.worker_jvm_args)),
                ("forker-shared-cds",
                 lambda: start_forker("shared", args.workers, args.heap_mb, args.worker_jvm_args, cds=True)),
                ("nginx", lambda: start_nginx(args.workers, args.heap_mb))]
    selected = args.configs.split(",")
    starters = [(name, start) for name, start in starters if name in selected]
    results = []
    if "forker-shared-cds" in selected:
        # The first start prepares the class data sharing archive; the measured one uses it
        print("== preparing the class data sharing archive", flush=True)
        # forker creates the cache directory itself, private to this user
        shutil.rmtree(CDS_CACHE, ignore_errors=True)
        start_forker("shared", args.workers, args.heap_mb, args.worker_jvm_args, cds=True).stop()
    for name, start in starters:
        print("== %s" % name, flush=True)
        deployment = start()
        try:
            print("  started in %.2f s" % deployment.startup, flush=True)
            results.append(measure(deployment, args))
        finally:
            deployment.stop()
    java = subprocess.run([JAVA, "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    meta = {"date": datetime.date.today().isoformat(), "machine": platform.node() or "this machine",
            "cpus": os.cpu_count(), "ram_gib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30,
            "os": "%s %s" % (platform.system(), platform.release()), "java": java.split('"')[1] if '"' in java else java,
            "duration": args.duration, "warmup": args.warmup, "threads": args.threads,
            "connections": args.connections, "heap_mb": args.heap_mb, "workers": args.workers}
    meta["worker_jvm_args"] = args.worker_jvm_args
    table = markdown(results, meta) + "\n" + targets(results)
    name = "latest" if not args.output else args.output
    with open(os.path.join(RESULTS, name + ".json"), "w") as file:
        json.dump({"meta": meta, "results": results}, file, indent=2)
    with open(os.path.join(RESULTS, name + ".md"), "w") as file:
        file.write(table)
    chart(results, os.path.join(RESULTS, name + ".png"))
    print()
    print(table)
    print("Total time: %.0f s; results in %s" % (time.monotonic() - started, RESULTS))


if __name__ == "__main__":
    main()
