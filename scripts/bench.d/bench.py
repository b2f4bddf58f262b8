"""Gunicornet's benchmark harness (run it through scripts/bench, which installs and builds what it needs).

On loopback, with a warm-up and several bounded runs per configuration (medians reported):
throughput and latency of Gunicornet with 1, 2 and 3 workers, a single Kestrel process and gunicorn
with Flask (sync and gthread, 3 workers), with keep-alive and with `Connection: close`; server CPU
per request; memory per process; reloads under load; worker boot time; the spread of requests over
workers; the cost of the access log. Prints markdown, writes it into docs/benchmarks.md (between
its markers) and draws docs/benchmarks.png.
"""

import argparse
import contextlib
import os
import platform
import re
import signal
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
GUNICORNET = ROOT / "Gunicornet/bin/Release/net10.0/gunicornet"
PLAIN_DIR = ROOT / "samples/plain/bin/Release/net10.0"
PLAIN = PLAIN_DIR / "plain.dll"
KESTREL_URL = "http://127.0.0.1:5080/"  # samples/plain binds this itself when run alone
HZ = os.sysconf("SC_CLK_TCK")
START_MARK = "<!-- bench:start -->"
END_MARK = "<!-- bench:end -->"


def log(message):
    print(message, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return total


def memory(pid):
    """(RSS, PSS) of one process in MiB."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if parts[0] in ("Rss:", "Pss:"):
                values[parts[0]] = int(parts[1]) / 1024
    return values["Rss:"], values["Pss:"]


class Server:
    """A server under test: its command, its address, and how to tell its workers are ready."""

    def __init__(self, name, argv, url, workers, ready_pattern=None, env=None):
        self.name, self.argv, self.url, self.workers = name, argv, url, workers
        self.ready_pattern = ready_pattern
        self.env = env
        self.log = tempfile.NamedTemporaryFile(prefix="bench-", suffix=".log", delete=False)
        self.process = None

    def start(self, timeout=60):
        self.process = subprocess.Popen(
            self.argv, stdout=self.log, stderr=self.log, start_new_session=True,
            env={**os.environ, **(self.env or {})}, cwd=HERE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.output()[-2000:]}")
            if self.ready() and self.answers():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} was not ready within {timeout}s: {self.output()[-2000:]}")

    def output(self):
        return Path(self.log.name).read_text(errors="replace")

    def ready(self):
        if self.ready_pattern is None:
            return True
        return len(re.findall(self.ready_pattern, self.output())) >= self.workers

    def answers(self):
        try:
            with urllib.request.urlopen(self.url, timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def pids(self):
        return [self.process.pid] + children(self.process.pid)

    def signal(self, sig):
        os.kill(self.process.pid, sig)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        os.unlink(self.log.name)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def gunicornet(workers, extra=()):
    port = free_port()
    return Server(
        f"Gunicornet, {workers} worker{'s' if workers > 1 else ''}",
        [str(GUNICORNET), "-b", f"127.0.0.1:{port}", "-w", str(workers), "--log-level", "debug", *extra, str(PLAIN)],
        f"http://127.0.0.1:{port}/", workers, ready_pattern=r"ready after")


def kestrel():
    return Server("single Kestrel process", [str(PLAIN_DIR / "plain")], KESTREL_URL, 1,
                  env={"Logging__LogLevel__Default": "Warning"})


def gunicorn(worker_class, workers=3):
    port = free_port()
    extra = ["-k", "gthread", "--threads", "4"] if worker_class == "gthread" else []
    return Server(
        f"gunicorn + Flask, {worker_class}, {workers} workers",
        ["gunicorn", "-w", str(workers), *extra, "-b", f"127.0.0.1:{port}", "--chdir", str(HERE), "flask_app:app"],
        f"http://127.0.0.1:{port}/", workers, ready_pattern=r"Booting worker with pid")


def to_ms(text):
    number, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(url, duration, connections, close=False, script=None):
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s"]
    if close:
        argv += ["-H", "Connection: close"]
    if script:
        argv += ["-s", str(script)]
    out = subprocess.run(argv + [url], capture_output=True, text=True, timeout=duration + 60).stdout
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    latency = re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out)
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": to_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": to_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "max": to_ms(latency.group(3)),
        "failed": (sum(int(n) for n in errors.groups()) if errors else 0) + (int(non2xx.group(1)) if non2xx else 0),
        "spread": {int(pid): int(n) for pid, n in re.findall(r"SPREAD (\d+) (\d+)", out)},
    }


def measure_once(server, args, close):
    """One run: throughput, latency, and the server's CPU time per request."""
    pids = server.pids()
    before = cpu_ticks(pids)
    result = wrk(server.url, args.duration, args.connections, close)
    result["cpu_us"] = (cpu_ticks(pids) - before) / HZ * 1e6 / max(result["requests"], 1)
    return result


def medians(runs):
    return {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50", "p99", "cpu_us", "failed")}


def memory_line(server):
    master, *workers = server.pids()
    rss_master, pss_master = memory(master)
    per_worker = [memory(pid) for pid in workers]
    pss_total = pss_master + sum(p for _, p in per_worker)
    if not per_worker:
        return f"{rss_master:.0f} / {pss_master:.0f}", pss_total
    rss_w = statistics.mean(r for r, _ in per_worker)
    pss_w = statistics.mean(p for _, p in per_worker)
    return f"master {rss_master:.0f} / {pss_master:.0f}, workers {rss_w:.0f} / {pss_w:.0f} each", pss_total


def throughput(args, report):
    """
    Every server runs at once (idle ones cost nothing), and the runs go round-robin over them: the
    noise of a shared machine (it moved medians by 15-40% between minutes) then falls on every
    configuration alike instead of on whichever ran in a bad minute.
    """
    configs = [kestrel, lambda: gunicornet(1), lambda: gunicornet(2), lambda: gunicornet(3),
               lambda: gunicorn("sync"), lambda: gunicorn("gthread")]
    modes = (False, True)
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(make()) for make in configs]
        for server in servers:
            for close in modes:
                log(f"throughput warm-up: {server.name}, {'Connection: close' if close else 'keep-alive'}")
                wrk(server.url, args.warmup, args.connections, close)
        runs = {(server.name, close): [] for server in servers for close in modes}
        for run in range(args.runs):
            log(f"throughput: round {run + 1} of {args.runs}")
            for server in servers:
                for close in modes:
                    runs[(server.name, close)].append(measure_once(server, args, close))
        memory_lines = {server.name: memory_line(server)[0] for server in servers}
    results, rows = {}, []
    for (name, close), measured in runs.items():
        m = results[(name, close)] = medians(measured)
        rows.append(f"| {name} | {'close' if close else 'keep-alive'} | {m['rps']:,.0f} | {m['p50']:.2f} | "
                    f"{m['p99']:.2f} | {m['cpu_us']:.0f} | {memory_lines[name]} | {m['failed']:.0f} |")
    report.append(f"### Throughput (`wrk -t2 -c{args.connections} -d{args.duration}s`, median of {args.runs} runs taken round-robin over the servers after a {args.warmup} s warm-up)\n")
    report.append("| server | connections | req/s | p50 ms | p99 ms | server CPU µs/req | RSS / PSS MiB after the runs | failed |")
    report.append("|---|---|---|---|---|---|---|---|")
    report.extend(rows)
    return results


def reloads(args, report):
    rows = []
    duration = int(args.hups * args.interval + 4)
    for make, reloaded in ((lambda: gunicornet(2), r"Reload complete"), (lambda: gunicorn("sync"), None)):
        server = make()
        log(f"reloads: {server.name}, {args.hups} HUPs")
        with server:
            wrk(server.url, args.warmup, args.connections)
            steady = wrk(server.url, args.duration, args.connections)
            load = subprocess.Popen(
                ["wrk", "-t2", f"-c{args.connections}", f"-d{duration}s", "--latency", "--timeout", "5s", server.url],
                stdout=subprocess.PIPE, text=True)
            time.sleep(1)
            for _ in range(args.hups):
                server.signal(signal.SIGHUP)
                time.sleep(args.interval)
            out, _ = load.communicate(timeout=duration + 60)
            completed = len(re.findall(reloaded, server.output())) if reloaded else "-"
            # Steady state on both sides of the reloads, so a slow or fast minute is not taken for their effect.
            after = wrk(server.url, args.duration, args.connections)
        errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        failed = (sum(int(n) for n in errors.groups()) if errors else 0) + (int(non2xx.group(1)) if non2xx else 0)
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        worst = to_ms(re.search(r"Latency\s+(\S+)\s+(\S+)\s+(\S+)", out).group(3))
        requests = int(re.search(r"(\d+) requests in", out).group(1))
        steady_rps = (steady["rps"] + after["rps"]) / 2
        share = rps / steady_rps
        rows.append((server.name, completed, requests, failed, worst, rps, steady_rps, share))
    report.append(f"\n### Reloads under load ({args.hups} HUPs, one every {args.interval} s, `wrk -t2 -c{args.connections}`, keep-alive)\n")
    report.append("| server | reloads completed | requests | failed (socket errors + non-2xx) | worst latency ms | req/s during reloads | steady req/s (before and after) | share of steady |")
    report.append("|---|---|---|---|---|---|---|---|")
    for name, completed, requests, failed, worst, rps, steady, share in rows:
        report.append(f"| {name} | {completed} | {requests:,} | {failed} | {worst:.0f} | {rps:,.0f} | {steady:,.0f} | {share:.0%} |")
    return rows


def boot_time(args, report):
    log("boot time: 10 reloads of 1 worker")
    with gunicornet(1) as server:
        for i in range(10):
            server.signal(signal.SIGHUP)
            deadline = time.monotonic() + 60
            while len(re.findall(r"Reload complete", server.output())) < i + 1:
                if time.monotonic() > deadline:
                    raise RuntimeError("a reload did not complete: " + server.output()[-2000:])
                time.sleep(0.05)
        times = [float(ms) for ms in re.findall(r"ready after (\d+) ms", server.output())][1:]
    median = statistics.median(times)
    report.append("\n### Worker boot (spawn to ready, 1 worker reloaded 10 times)\n")
    report.append(f"median {median:.0f} ms, min {min(times):.0f} ms, max {max(times):.0f} ms")
    return median


def spread(args, report):
    rows = []
    for make in (lambda: gunicornet(2), lambda: gunicornet(3), lambda: gunicorn("gthread")):
        server = make()
        log(f"spread: {server.name}")
        with server:
            wrk(server.url, args.warmup, args.connections)
            counts = wrk(server.url, args.duration, args.connections, script=HERE / "spread.lua")["spread"]
            workers = [pid for pid in server.pids()[1:]]
        per_worker = [counts.get(pid, 0) for pid in workers]
        fair = sum(per_worker) / len(per_worker)
        rows.append((server.name, per_worker, max(per_worker) / fair, min(per_worker) / fair))
    report.append(f"\n### Spread of requests over workers (keep-alive, `wrk -c{args.connections}`, {args.duration} s)\n")
    report.append("| server | requests per worker | busiest / fair share | idlest / fair share |")
    report.append("|---|---|---|---|")
    for name, per_worker, high, low in rows:
        report.append(f"| {name} | {' / '.join(f'{n:,}' for n in per_worker)} | {high:.2f} | {low:.2f} |")
    return rows


def idle_memory(report):
    rows = []
    for make in (lambda: gunicornet(3), lambda: gunicorn("sync")):
        server = make()
        with server:
            time.sleep(2)  # let start-up settle: this is the idle figure
            line, pss = memory_line(server)
        rows.append((server.name, line, pss))
    report.append("\n### Idle memory (master plus 3 workers, after start-up, MiB)\n")
    report.append("| server | RSS / PSS per process | PSS total |")
    report.append("|---|---|---|")
    for name, line, pss in rows:
        report.append(f"| {name} | {line} | {pss:.0f} |")
    return rows


def access_log(args, report):
    """Off and on run at once, their runs alternating (as the throughput runs, for the same reason)."""
    with tempfile.TemporaryDirectory() as temp, contextlib.ExitStack() as stack:
        off_server = stack.enter_context(gunicornet(2))
        on_server = stack.enter_context(gunicornet(2, ("--access-logfile", f"{temp}/access.log")))
        for server in (off_server, on_server):
            wrk(server.url, args.warmup, args.connections)
        off, on = [], []
        for _ in range(args.runs):
            for results, server in ((off, off_server), (on, on_server)):
                results.append(wrk(server.url, args.duration, args.connections)["rps"])
    cost = 1 - statistics.median(on) / statistics.median(off)
    report.append("\n### Access log (Gunicornet, 2 workers, keep-alive)\n")
    report.append(f"off {statistics.median(off):,.0f} req/s, on {statistics.median(on):,.0f} req/s (medians of {args.runs}): cost {cost:.1%}")
    return cost


def h2load(url, duration, connections):
    """h2load by prior knowledge (cleartext HTTP/2), 10 streams per connection."""
    argv = ["h2load", "-t2", f"-c{connections}", "-m10", f"-D{duration}", url]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60).stdout
    done = re.search(r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed", out)
    return {"rps": float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", out).group(1)),
            "failed": int(done.group(5)) if done else -1}


class H2Server(Server):
    """A server that may speak only HTTP/2 by prior knowledge: it answers when h2load gets a 200."""

    def answers(self):
        out = subprocess.run(["h2load", "-n1", "-c1", self.url], capture_output=True, text=True, timeout=10).stdout
        return "1 succeeded" in out


def http2(args, report):
    """HTTP/2 by prior knowledge: Kestrel alone against Gunicornet (2 workers, cleartext HTTP/2 on its HTTP/1.1 listener)."""
    if shutil.which("h2load") is None:
        report.append("\n### HTTP/2\n\nh2load is not installed (apt-get install nghttp2-client): not measured.")
        return None
    with contextlib.ExitStack() as stack:
        alone = stack.enter_context(H2Server("single Kestrel process", [str(PLAIN_DIR / "plain")], KESTREL_URL, 1,
                                           env={"Logging__LogLevel__Default": "Warning", "Kestrel__EndpointDefaults__Protocols": "Http2"}))
        ours = stack.enter_context(gunicornet(2, ("--http-protocols", "h1,h2", "--http2-cleartext", "prior-knowledge")))
        servers = (alone, ours)
        for server in servers:
            h2load(server.url, args.warmup, args.connections)
        runs = {server.name: [] for server in servers}
        for _ in range(args.runs):
            for server in servers:
                runs[server.name].append(h2load(server.url, args.duration, args.connections))
    report.append(f"\n### HTTP/2 (`h2load -t2 -c{args.connections} -m10`, cleartext by prior knowledge, median of {args.runs})\n")
    report.append("| server | req/s | failed | vs Kestrel |")
    report.append("|---|---|---|---|")
    medians_by = {name: statistics.median(r["rps"] for r in rs) for name, rs in runs.items()}
    for name, rs in runs.items():
        report.append(f"| {name} | {medians_by[name]:,.0f} | {sum(r['failed'] for r in rs)} | {medians_by[name] / medians_by[alone.name]:.2f} |")
    return medians_by[ours.name] / medians_by[alone.name]


def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal")) / 1024 / 1024
    run = lambda *argv: subprocess.run(argv, capture_output=True, text=True).stdout.strip().splitlines()[0]
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; Linux {platform.release()}; Debian "
            f"{Path('/etc/debian_version').read_text().strip()}; .NET SDK {run('dotnet', '--version')}; "
            f"gunicorn {run('gunicorn', '--version').split()[-1]}; Flask {run(sys.executable, '-c', 'import flask; print(flask.__version__)')}; "
            f"{run('wrk', '--version').split(' Copyright')[0]}")


def chart(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(name for name, _ in results))
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.4
    for offset, close in ((-width / 2, False), (width / 2, True)):
        values = [results[(name, close)]["rps"] for name in names]
        bars = ax.bar([i + offset for i in range(len(names))], values, width,
                      label="Connection: close" if close else "keep-alive")
        ax.bar_label(bars, labels=[f"{v / 1000:.1f}k" for v in values], fontsize=8)
    ax.set_xticks(range(len(names)), [n.replace(", ", "\n", 1) for n in names], fontsize=8)
    ax.set_ylabel("requests/s")
    ax.set_title("Same route, same machine (wrk -t2 on loopback)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per configuration (default 5)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per run (default 5)")
    parser.add_argument("--warmup", type=int, default=5, help="seconds of load before measuring (default 5: the JIT's tiering settles)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    parser.add_argument("--hups", type=int, default=20, help="HUPs in the reload run (default 20)")
    parser.add_argument("--interval", type=float, default=1.5, help="seconds between HUPs (default 1.5)")
    parser.add_argument("--quick", action="store_true", help="1 run of 3 s each, 5 HUPs: a smoke run")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ as it is")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.duration, args.hups, args.warmup = 1, 3, 5, 2

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 5080)) == 0:
            sys.exit("scripts/bench: 127.0.0.1:5080 is in use; the single Kestrel run needs it")

    started = time.monotonic()
    report = [f"Machine: {machine()}.\n"]
    results = throughput(args, report)
    reload_rows = reloads(args, report)
    boot = boot_time(args, report)
    spread_rows = spread(args, report)
    idle_rows = idle_memory(report)
    cost = access_log(args, report)
    h2_ratio = http2(args, report)

    kestrel_rps = results[("single Kestrel process", False)]["rps"]
    ours = reload_rows[0]
    targets = [
        ("2 workers / single Kestrel (keep-alive)", results[("Gunicornet, 2 workers", False)]["rps"] / kestrel_rps, ">= 0.95", lambda v: v >= 0.95),
        ("3 workers / single Kestrel (keep-alive)", results[("Gunicornet, 3 workers", False)]["rps"] / kestrel_rps, ">= 0.90", lambda v: v >= 0.90),
        ("3 workers / gunicorn sync, 3 workers (keep-alive)", results[("Gunicornet, 3 workers", False)]["rps"] / results[("gunicorn + Flask, sync, 3 workers", False)]["rps"], ">= 9", lambda v: v >= 9),
        ("failed requests across the reloads", ours[3], "0", lambda v: v == 0),
        ("throughput during reloads / steady", ours[7], ">= 0.70", lambda v: v >= 0.70),
        ("busiest worker / fair share (2 and 3 workers)", max(r[2] for r in spread_rows[:2]), "<= 1.5", lambda v: v <= 1.5),
        ("idlest worker / fair share (2 and 3 workers)", min(r[3] for r in spread_rows[:2]), "> 0", lambda v: v > 0),
        ("worker boot, median ms", boot, "<= 200", lambda v: v <= 200),
        ("idle PSS, Gunicornet / gunicorn (master + 3 workers)", idle_rows[0][2] / idle_rows[1][2], "<= 1", lambda v: v <= 1),
        ("access log cost", cost, "<= 0.10", lambda v: v <= 0.10),
    ]
    if h2_ratio is not None:
        targets.append(("HTTP/2, 2 workers / single Kestrel", h2_ratio, "reported", lambda v: True))
    report.append("\n### Targets\n")
    report.append("| target | measured | goal | met |")
    report.append("|---|---|---|---|")
    for name, value, goal, met in targets:
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        report.append(f"| {name} | {shown} | {goal} | {'yes' if met(value) else '**no**'} |")
    report.append(f"\n(The whole run took {time.monotonic() - started:.0f} s.)")

    text = "\n".join(report)
    print(text)
    if not args.no_write:
        doc = ROOT / "docs/benchmarks.md"
        current = doc.read_text()
        before, rest = current.split(START_MARK, 1)
        after = rest.split(END_MARK, 1)[1]
        doc.write_text(f"{before}{START_MARK}\n{text}\n{END_MARK}{after}")
        chart(results, ROOT / "docs/benchmarks.png")
        log("wrote docs/benchmarks.md and docs/benchmarks.png")


if __name__ == "__main__":
    main()
