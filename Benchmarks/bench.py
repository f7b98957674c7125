#!/usr/bin/env python3
"""Capacity Ledger benchmark: one generated history per size, measured end to end.

    python3 Benchmarks/bench.py                       # sizes 1,000,000 and 10,000,000
    BENCH_SIZES=100000 python3 Benchmarks/bench.py    # a quick run

For each size N, on the same `capacity generate N` file: import rate and peak RSS, log bytes per
event, in-process replay and query timings (`capacity bench-query`), queries and durable appends
from new processes, and the same data in SQLite, DuckDB and Python `eventsourcing`. Prints one
table at the end and writes it, with the raw numbers, to /tmp/capacity-bench/results.{md,json}.

Each size runs once per profile of `capacity generate` (BENCH_PROFILES, default
`ample,constrained`: power never short, and power binding late in the history with stranded
racks and future-dated plans); a profile may name a site count, `constrained:5000`.

Environment: BENCH_SIZES (comma-separated), BENCH_PROFILES (comma-separated), CAPACITY_BIN (default .build/release/capacity),
BENCH_SQL_BUDGET_S (seconds per SQL engine for the 20 timed points, default 300),
BENCH_APPEND_BUDGET_S (seconds for the 50 single appends, default 600; at least 5 run),
BENCH_KEEP=1 (keep each size's files), BENCH_NO_PEERS=1 (skip SQLite, DuckDB, eventsourcing),
BENCH_GENERATOR (the `capacity` that generates the histories, default CAPACITY_BIN: to measure an
earlier build, whose `generate` may lack `--profile`, on the same files).
"""

from __future__ import annotations

import datetime as dt
import json
import mmap
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORK = "/tmp/capacity-bench"
SEED = 20251029
POINTS = 20
REPEATS = 5
APPENDS = 50
ES_SAMPLE = 200_000
ES_BATCH = 500
SIZES = [int(s.replace("_", "")) for s in os.environ.get("BENCH_SIZES", "1000000,10000000").split(",") if s.strip()]
PROFILES = [p.strip() for p in os.environ.get("BENCH_PROFILES", "ample,constrained").split(",") if p.strip()]
BIN_SOURCE = os.environ.get("CAPACITY_BIN", os.path.join(ROOT, ".build/release/capacity"))
SQL_BUDGET_S = float(os.environ.get("BENCH_SQL_BUDGET_S", "300"))
APPEND_BUDGET_S = float(os.environ.get("BENCH_APPEND_BUDGET_S", "600"))
KEEP = os.environ.get("BENCH_KEEP") == "1"
NO_PEERS = os.environ.get("BENCH_NO_PEERS") == "1"
GENERATOR = os.environ.get("BENCH_GENERATOR")


class BenchError(Exception):
    pass


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes

# A child's peak RSS as the kernel reports it to this process (ru_maxrss) starts from this
# Python process's own size: the child is a copy of it until it starts the command. So the peak
# RSS of a command is measured by GNU time (`/usr/bin/time -f %M`), a small process that starts
# it; `make bench` installs it. Without it the figures are flagged as at least this process's size.
GNU_TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None


def run_measured(args: list[str], stdout=subprocess.DEVNULL, rss: bool = False) -> tuple[float, int]:
    """Runs a command to completion; returns (wall seconds, peak RSS in KiB) of that one process.
    With `rss`, the command runs under GNU time (which adds about a millisecond to the wall
    time); otherwise the RSS returned is the kernel's figure (see GNU_TIME). Raises BenchError
    with its stderr when it fails."""
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as rss_file:
        wrapped = [GNU_TIME, "-f", "%M", "-o", rss_file.name] + args if rss and GNU_TIME else args
        t0 = time.perf_counter()
        p = subprocess.Popen(wrapped, stdin=subprocess.DEVNULL, stdout=stdout, stderr=err)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            err.seek(0)
            text = err.read().decode(errors="replace").strip()[-2000:]
            raise BenchError(f"`{' '.join(args)}` exited with {p.returncode}:\n{text}")
        peak = usage.ru_maxrss  # KiB on Linux
        if wrapped is not args:
            rss_file.seek(0)
            peak = int(rss_file.read().decode().strip().splitlines()[-1])
    return wall, peak


def run_output(args: list[str]) -> str:
    with tempfile.TemporaryFile() as out:
        run_measured(args, stdout=out)
        out.seek(0)
        return out.read().decode()


def prepare_binary() -> str:
    """Copies the release binary into the work dir, so a rebuild during the run cannot change it."""
    deadline = time.time() + 300
    while True:
        try:
            st = os.stat(BIN_SOURCE)
            time.sleep(2)  # still being written?
            if os.stat(BIN_SOURCE).st_mtime == st.st_mtime and st.st_size > 0:
                break
        except FileNotFoundError:
            pass
        if time.time() > deadline:
            raise BenchError(f"no capacity binary at {BIN_SOURCE}: build it with `swift build -c release` "
                             "(or `make release`), or point CAPACITY_BIN at one")
        log(f"waiting for {BIN_SOURCE} ...")
        time.sleep(5)
    os.makedirs(WORK, exist_ok=True)
    dest = os.path.join(WORK, "capacity")
    shutil.copy2(BIN_SOURCE, dest + ".tmp")
    os.replace(dest + ".tmp", dest)
    try:
        usage = run_output([dest, "bench-query", "--help"])
    except (BenchError, OSError) as e:
        raise BenchError(f"{BIN_SOURCE} does not run `bench-query`: {e}")
    if "--points" not in usage:
        raise BenchError(f"{BIN_SOURCE} is not a capacity binary with `bench-query` (its help has no --points)")
    return dest


def ensure_peer_packages() -> None:
    missing = []
    for module, spec in (("duckdb", "duckdb"), ("eventsourcing", "eventsourcing>=9.5,<10")):
        try:
            __import__(module)
        except ImportError:
            missing.append(spec)
    if missing:
        log(f"installing {', '.join(missing)} ...")
        r = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing])
        if r.returncode != 0:
            log("warning: pip install failed; the peers that need these packages will be skipped")


# ---------------------------------------------------------------- time

def parse_time(s: str) -> dt.datetime:
    t = dt.datetime.fromisoformat(s)
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def micros(t: dt.datetime) -> int:
    d = t - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    return (d.days * 86_400 + d.seconds) * 1_000_000 + d.microseconds


def iso(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def effective_range(path: str) -> tuple[str, str, int]:
    """(min effective, max effective, line count) of a JSON Lines history, without parsing it whole."""
    pattern = re.compile(rb'"effective":"([^"]+)"')
    lo = hi = None
    lo_key = hi_key = None
    lines = 0
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        for m in pattern.finditer(mm):
            v = m.group(1)
            k = v.rstrip(b"Z")  # a date sorts before the times of its day; ".5Z" after ":05Z"
            if lo_key is None or k < lo_key:
                lo, lo_key = v, k
            if hi_key is None or k > hi_key:
                hi, hi_key = v, k
        for i in range(0, len(mm), 1 << 26):
            lines += mm[i:i + (1 << 26)].count(b"\n")
    if lo is None:
        raise BenchError(f"no effective times in {path}")
    return lo.decode(), hi.decode(), lines


def spread_points(lo: str, hi: str, n: int) -> list[str]:
    """The same points as `capacity bench-query --points n`: n steps over the range, ending at the last."""
    first, last = micros(parse_time(lo)), micros(parse_time(hi))
    step = (last - first) // n
    return [iso((first + step * (i + 1)) // 1_000_000) for i in range(n)]


def pct(xs: list[float], p: float) -> float:
    """Nearest-rank percentile, as bench-query computes it."""
    s = sorted(xs)
    return s[min(len(s) - 1, round((len(s) - 1) * p))]


# ---------------------------------------------------------------- one size

def profile_args(profile: str) -> tuple[list[str], str]:
    """`capacity generate`'s options for a BENCH_PROFILES entry (`constrained`, `constrained:5000`)
    and its label in the table."""
    name, _, sites = profile.partition(":")
    args = ["--profile", name] + (["--sites", sites] if sites else [])
    return args, name + (f", {int(sites):,} sites" if sites else "")


def bench_size(binary: str, n: int, profile: str = "ample") -> dict:
    args, label = profile_args(profile)
    wd = os.path.join(WORK, f"n{n}-{profile.replace(':', '-')}")
    shutil.rmtree(wd, ignore_errors=True)
    os.makedirs(wd)
    history, ledger = os.path.join(wd, "history.jsonl"), os.path.join(wd, "bench.ledger")
    r: dict = {"n": n, "seed": SEED, "profile": label}
    log(f"\n== N = {n:,} ({label})")

    # 1. Generate (not in the table).
    with open(history, "wb") as out:
        r["generate_s"], _ = run_measured([GENERATOR or binary, "generate", str(n), "--seed", str(SEED)] + args, stdout=out)
    r["history_bytes"] = os.path.getsize(history)
    if r["history_bytes"] == 0:
        raise BenchError(f"`capacity generate {n}` wrote nothing")
    lo, hi, lines = effective_range(history)
    if lines != n:
        raise BenchError(f"`capacity generate {n}` wrote {lines} lines")
    points = spread_points(lo, hi, POINTS)
    check_point = points[POINTS // 2 - 1]
    r.update(effective_min=lo, effective_max=hi, points=points, check_point=check_point)
    log(f"  generate: {r['generate_s']:.2f} s, {r['history_bytes'] / 1e6:.1f} MB, effective {lo} .. {hi}")

    # 2. Import: one validated, fsynced batch.
    wall, rss = run_measured([binary, "import", "--quiet", "--ledger", ledger, history], rss=True)
    r["import"] = {"s": wall, "events_per_s": n / wall, "peak_rss_kib": rss}
    log(f"  import: {wall:.2f} s ({n / wall:,.0f} events/s), peak RSS {rss / 1024:.0f} MiB")

    # 3. Log size.
    r["log_bytes"] = os.path.getsize(ledger)
    r["log_bytes_per_event"] = r["log_bytes"] / n

    # 4. In-process: replay, index build and queries inside one process.
    out = run_output([binary, "bench-query", "--ledger", ledger, "--points", str(POINTS), "--repeats", str(REPEATS)])
    r["in_process"] = json.loads(out.strip().splitlines()[-1])
    ip = r["in_process"]
    if ip.get("events") != n:
        raise BenchError(f"bench-query saw {ip.get('events')} events, expected {n}")
    log(f"  in-process: load {ip['load_s']:.2f} s, replay {ip['replay_events_per_s']:,.0f} events/s, "
        f"index {ip['index_build_s']:.2f} s, fleet p50 {ip['fleet_p50_ms']:.3f} ms")

    # 5. New process per query.
    base = [binary, "query", "--ledger", ledger]
    # The first query after the import may do one-off work (a checkpoint beside the ledger):
    # timed on its own, not in the percentiles.
    first_s, first_rss = run_measured(base + [f"fleet at={points[0]}"], rss=True)
    ckpt = ledger + ".ckpt"
    r["checkpoint_bytes"] = os.path.getsize(ckpt) if os.path.exists(ckpt) else None
    fleet_ms, cap_ms = [], []
    for t in points:
        w, _ = run_measured(base + [f"fleet at={t}"])
        fleet_ms.append(w * 1000)
        w, _ = run_measured(base + [f"capacity by=site at={t}"])
        cap_ms.append(w * 1000)
    # The peak RSS of a query process: the two questions at the middle point, under GNU time
    # (not in the timings above).
    rss_max = max(run_measured(base + [f"{q} at={points[len(points) // 2]}"], rss=True)[1]
                  for q in ("fleet", "capacity by=site"))
    r["new_process"] = {"fleet_p50_ms": pct(fleet_ms, .5), "fleet_p99_ms": pct(fleet_ms, .99),
                        "capacity_p50_ms": pct(cap_ms, .5), "capacity_p99_ms": pct(cap_ms, .99),
                        "first_fleet_ms": first_s * 1000, "first_fleet_rss_kib": first_rss, "peak_rss_kib": rss_max,
                        "fleet_ms": fleet_ms, "capacity_ms": cap_ms}
    log(f"  new process: first fleet {first_s * 1000:.1f} ms, then fleet p50 {pct(fleet_ms, .5):.1f} ms, "
        f"capacity p50 {pct(cap_ms, .5):.1f} ms, peak RSS {rss_max / 1024:.0f} MiB")

    # Our answer at the check point, before the appends below change the ledger.
    ours_fleet = json.loads(run_output(base + ["--json", f"fleet at={check_point}"]))
    ours_power = json.loads(run_output(base + ["--json", f"power at={check_point}"]))
    ours = {"fleet": {(row["site"], row["model"]): (row["delivered"], row["installed"], row["retired"])
                      for row in ours_fleet["rows"] if row["delivered"] or row["installed"] or row["retired"]},
            "allocated_mw": {row["site"]: round(float(row["allocated_mw"]), 6) for row in ours_power["rows"]}}

    # 5b. The history commands of a capacity review, each once from a new process, over the
    # whole history: they read every event between the points they need (issue 25 is about
    # making them incremental). A build without a command reports n/a.
    half = sum(row["energized"] for row in ours_fleet["rows"]) // 2
    span = f"from={points[0][:10]} to={points[-1][:10]}"
    history = {}
    for key, q in (("timeline_s", f"timeline metric=energized every=month {span}"),
                   ("timeline_series_s", f"timeline metric=allocated,mw,headroom every=month by=site {span}"),
                   ("when_s", f"when metric=energized value={max(1, half)}"),
                   ("energy_s", f"energy {span}")):
        try:
            history[key], _ = run_measured(base + [q])
        except BenchError as e:
            log(f"  {q.split()[0]}: not measured ({str(e).strip().splitlines()[-1][:100]})")
            history[key] = None
    r["history"] = history
    log("  history commands (new process): " + ", ".join(
        f"{k[:-2]} {v:.2f} s" for k, v in history.items() if v is not None))

    # 6. Durable single appends, each from a new process.
    append_ms, started = [], time.perf_counter()
    for i in range(APPENDS):
        w, _ = run_measured([binary, "append", "--ledger", ledger, "investment.committed",
                             "investor=bench", "recipient=anthropic", "usd=1"])
        append_ms.append(w * 1000)
        if time.perf_counter() - started > APPEND_BUDGET_S and i + 1 >= 5 and i + 1 < APPENDS:
            log(f"    append time budget of {APPEND_BUDGET_S:.0f} s reached after {i + 1} of {APPENDS} appends")
            break
    r["append"] = {"p50_ms": pct(append_ms, .5), "p99_ms": pct(append_ms, .99), "count": len(append_ms),
                   "ms": append_ms}
    log(f"  append: p50 {pct(append_ms, .5):.1f} ms, p99 {pct(append_ms, .99):.1f} ms")
    # The same for rack installs: each checks its rack's marks and its (site, model) chips.
    rack_ms, started = [], time.perf_counter()
    for i in range(APPENDS):
        w, _ = run_measured([binary, "append", "--ledger", ledger, "rack.installed", "site=site-a",
                             f"rack=bench-{i}", "model=trainium2", "chips=64", "kw=45"])
        rack_ms.append(w * 1000)
        if time.perf_counter() - started > APPEND_BUDGET_S and i + 1 >= 5 and i + 1 < APPENDS:
            break
    r["append_rack"] = {"p50_ms": pct(rack_ms, .5), "p99_ms": pct(rack_ms, .99), "count": len(rack_ms), "ms": rack_ms}
    log(f"  append rack install: p50 {pct(rack_ms, .5):.1f} ms, p99 {pct(rack_ms, .99):.1f} ms")
    # The same one-event appends in one process (as eventsourcing's saves are timed): each still
    # checks, writes and waits for fsync; the first, which reads the checkpoint, is kept apart.
    ip = json.loads(run_output([binary, "bench-append", "--ledger", ledger, "--count", str(APPENDS)]))
    r["append_in_process"] = {"p50_ms": pct(ip["ms"], .5), "p99_ms": pct(ip["ms"], .99), "first_ms": ip["first_ms"],
                              "ms": ip["ms"]}
    log(f"  append in-process: p50 {pct(ip['ms'], .5):.2f} ms, p99 {pct(ip['ms'], .99):.2f} ms, first {ip['first_ms']:.1f} ms")

    # 7. Peers on the same file.
    r["peers"] = run_peers(history, wd, n, points, check_point)
    r["check"] = check_answers(ours, r["peers"])
    log(f"  check at {check_point}: {r['check']['summary']}")

    if not KEEP:  # the history, ledger and peer databases take gigabytes at 10M
        shutil.rmtree(wd, ignore_errors=True)
    return r


def run_peers(history: str, wd: str, n: int, points: list[str], check_point: str) -> dict:
    out: dict = {}
    if NO_PEERS:
        return out
    import peers

    def attempt(name, fn):
        log(f"  {name} ...")
        try:
            out[name] = fn()
        except Exception as e:  # a peer that cannot run is reported, not fatal
            log(f"  warning: {name} failed: {type(e).__name__}: {e}")
            out[name] = {"error": f"{type(e).__name__}: {e}"}

    attempt("sqlite", lambda: peers.sqlite_bench(history, os.path.join(wd, "peer.sqlite"), points, check_point,
                                                 SQL_BUDGET_S, log))
    attempt("duckdb", lambda: peers.duckdb_bench(history, os.path.join(wd, "peer.duckdb"), points, check_point,
                                                 SQL_BUDGET_S, log))
    attempt("eventsourcing", lambda: peers.eventsourcing_bench(history, os.path.join(wd, "peer-es.sqlite"),
                                                               min(n, ES_SAMPLE), ES_BATCH, APPENDS, log))
    return out


def check_answers(ours: dict, peer_results: dict) -> dict:
    """Compares the fleet answer (delivered/installed/retired per site and model, allocated MW per site)."""
    answers = {"capacity": ours}
    for name in ("sqlite", "duckdb"):
        if "answer" in peer_results.get(name, {}):
            answers[name] = peer_results[name]["answer"]
    result: dict = {}
    for name, a in answers.items():
        if name == "capacity":
            continue
        fleet_ok = a["fleet"] == ours["fleet"]
        power_ok = a["allocated_mw"] == ours["allocated_mw"]
        result[f"{name}_vs_capacity"] = fleet_ok and power_ok
        if not fleet_ok:
            diff = sorted(k for k in set(a["fleet"]) | set(ours["fleet"]) if a["fleet"].get(k) != ours["fleet"].get(k))
            result[f"{name}_fleet_diff"] = [[list(k), a["fleet"].get(k), ours["fleet"].get(k)] for k in diff[:5]]
        if not power_ok:
            result[f"{name}_power_diff"] = [a["allocated_mw"], ours["allocated_mw"]]
    if "sqlite" in answers and "duckdb" in answers:
        result["sqlite_vs_duckdb"] = answers["sqlite"] == answers["duckdb"]
        s, d = peer_results["sqlite"].get("order_check"), peer_results["duckdb"].get("order_check")
        result["seq_numbering_agrees"] = s == d
    rows = len(ours["fleet"])
    parts = [f"{k.replace('_', ' ')}: {'match' if v else 'MISMATCH'}" for k, v in result.items() if isinstance(v, bool)]
    result["summary"] = (f"{rows} site/model rows; " + ", ".join(parts)) if parts else "no peer answers to compare"
    result["rows"] = rows
    return result


# ---------------------------------------------------------------- table

def f_rate(x):
    return "n/a" if x is None else f"{x:,.0f}"


def f_ms(x):
    if x is None:
        return "n/a"
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 10 else f"{x:.1f}" if x < 1000 else f"{x:,.0f}"


def f_s(x):
    return "n/a" if x is None else f"{x:.2f}" if x < 100 else f"{x:,.0f}"


def f_ratio(x):
    if x is None:
        return "n/a"
    return f"{x:.2g}×" if x < 1 else f"{x:.2f}×" if x < 10 else f"{x:.1f}×" if x < 100 else f"{x:,.0f}×"


def f_mib(kib):
    return "n/a" if kib is None else f"{kib / 1024:,.0f} MiB"


def get(d, *path):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return None
        d = d[p]
    return d


def div(a, b):
    return None if a is None or b in (None, 0) else a / b


def table_rows(results: list[dict]) -> list[tuple[str, list[str]]]:
    rows: list[tuple[str, list[str]]] = []

    def row(label, fn, fmt):
        vals = []
        for r in results:
            try:
                vals.append(fmt(fn(r)))
            except (TypeError, KeyError, ZeroDivisionError):
                vals.append("n/a")
        rows.append((label, vals))

    def pair(a, b, fmt):
        return lambda r: None if a(r) is None or b(r) is None else f"{fmt(a(r))} / {fmt(b(r))}"

    ident = lambda s: "n/a" if s is None else s
    row("import (one fsynced batch), events/s", lambda r: get(r, "import", "events_per_s"), f_rate)
    row("full replay, events/s", lambda r: get(r, "in_process", "replay_events_per_s"), f_rate)
    row("ledger load / index build, s (in-process)",
        pair(lambda r: get(r, "in_process", "load_s"), lambda r: get(r, "in_process", "index_build_s"), lambda x: f"{x:.2f}"), ident)
    row("fleet p50 / p99, ms (in-process)",
        pair(lambda r: get(r, "in_process", "fleet_p50_ms"), lambda r: get(r, "in_process", "fleet_p99_ms"), f_ms), ident)
    row("capacity by=site p50 / p99, ms (in-process)",
        pair(lambda r: get(r, "in_process", "capacity_p50_ms"), lambda r: get(r, "in_process", "capacity_p99_ms"), f_ms), ident)
    row("fleet p50 / p99, ms (new process)",
        pair(lambda r: get(r, "new_process", "fleet_p50_ms"), lambda r: get(r, "new_process", "fleet_p99_ms"), f_ms), ident)
    row("capacity by=site p50 / p99, ms (new process)",
        pair(lambda r: get(r, "new_process", "capacity_p50_ms"), lambda r: get(r, "new_process", "capacity_p99_ms"), f_ms), ident)
    row("first fleet query after import, ms (new process)", lambda r: get(r, "new_process", "first_fleet_ms"), f_ms)
    row("timeline metric=energized every=month over the history, s (new process)", lambda r: get(r, "history", "timeline_s"), f_s)
    row("timeline metric=allocated,mw,headroom every=month by=site, s (new process)",
        lambda r: get(r, "history", "timeline_series_s"), f_s)
    row("when metric=energized value=(half the end), s (new process)", lambda r: get(r, "history", "when_s"), f_s)
    row("energy over the history, s (new process)", lambda r: get(r, "history", "energy_s"), f_s)
    row("durable append p50 / p99, ms (new process)",
        pair(lambda r: get(r, "append", "p50_ms"), lambda r: get(r, "append", "p99_ms"), f_ms), ident)
    row("durable append of a rack install p50 / p99, ms (new process)",
        pair(lambda r: get(r, "append_rack", "p50_ms"), lambda r: get(r, "append_rack", "p99_ms"), f_ms), ident)
    row("durable append p50 / p99, ms (in-process, after the first)",
        pair(lambda r: get(r, "append_in_process", "p50_ms"), lambda r: get(r, "append_in_process", "p99_ms"), f_ms), ident)
    row("log bytes / event", lambda r: r["log_bytes_per_event"], lambda x: f"{x:.1f}")
    row("checkpoint file bytes / event", lambda r: div(r.get("checkpoint_bytes"), r["n"]), lambda x: f"{x:.1f}")
    row("peak RSS, import", lambda r: get(r, "import", "peak_rss_kib"), f_mib)
    row("peak RSS, one query process", lambda r: get(r, "new_process", "peak_rss_kib"), f_mib)
    row("peak RSS, first query after import", lambda r: get(r, "new_process", "first_fleet_rss_kib"), f_mib)
    row("SQLite load (WAL, 1 txn, index), events/s", lambda r: get(r, "peers", "sqlite", "load_events_per_s"), f_rate)
    row("SQLite fleet question, median ms", lambda r: get(r, "peers", "sqlite", "fleet", "median_ms"), f_ms)
    row("DuckDB load (read_json, unvalidated), events/s", lambda r: get(r, "peers", "duckdb", "load_events_per_s"), f_rate)
    row("DuckDB fleet question, median ms", lambda r: get(r, "peers", "duckdb", "fleet", "median_ms"), f_ms)
    row("eventsourcing append (500/save), events/s", lambda r: get(r, "peers", "eventsourcing", "append_events_per_s"), f_rate)
    row("eventsourcing one-event save p50, ms (in-process)",
        lambda r: pct(get(r, "peers", "eventsourcing", "single_save_ms"), .5), f_ms)
    row("eventsourcing replay, events/s", lambda r: get(r, "peers", "eventsourcing", "replay_events_per_s"), f_rate)
    ours_ip = lambda r: get(r, "in_process", "fleet_p50_ms")
    ours_np = lambda r: get(r, "new_process", "fleet_p50_ms")
    row("fleet vs SQLite (SQLite ms / ours in-process p50)",
        lambda r: div(get(r, "peers", "sqlite", "fleet", "median_ms"), ours_ip(r)), f_ratio)
    row("fleet vs SQLite (SQLite ms / ours new-process p50)",
        lambda r: div(get(r, "peers", "sqlite", "fleet", "median_ms"), ours_np(r)), f_ratio)
    row("fleet vs DuckDB (DuckDB ms / ours in-process p50)",
        lambda r: div(get(r, "peers", "duckdb", "fleet", "median_ms"), ours_ip(r)), f_ratio)
    row("fleet vs DuckDB (DuckDB ms / ours new-process p50)",
        lambda r: div(get(r, "peers", "duckdb", "fleet", "median_ms"), ours_np(r)), f_ratio)
    row("import vs SQLite load (events/s ratio)",
        lambda r: div(get(r, "import", "events_per_s"), get(r, "peers", "sqlite", "load_events_per_s")), f_ratio)
    row("import vs DuckDB load (events/s ratio)",
        lambda r: div(get(r, "import", "events_per_s"), get(r, "peers", "duckdb", "load_events_per_s")), f_ratio)
    row("append vs eventsourcing, batched (import ÷ es append events/s)",
        lambda r: div(get(r, "import", "events_per_s"), get(r, "peers", "eventsourcing", "append_events_per_s")), f_ratio)
    row("append vs eventsourcing, one event (es save p50 ÷ ours new-process p50)",
        lambda r: div(pct(get(r, "peers", "eventsourcing", "single_save_ms"), .5), get(r, "append", "p50_ms")), f_ratio)
    row("append vs eventsourcing, one event (es save p50 ÷ ours in-process p50)",
        lambda r: div(pct(get(r, "peers", "eventsourcing", "single_save_ms"), .5), get(r, "append_in_process", "p50_ms")), f_ratio)
    row("replay vs eventsourcing (events/s ratio)",
        lambda r: div(get(r, "in_process", "replay_events_per_s"), get(r, "peers", "eventsourcing", "replay_events_per_s")), f_ratio)
    row("fleet answers agree (capacity, SQLite, DuckDB)", lambda r: agreement(r), ident)
    return rows


def agreement(r: dict) -> str | None:
    c = r.get("check") or {}
    flags = [v for k, v in c.items() if isinstance(v, bool)]
    if not flags:
        return None
    return "yes" if all(flags) else "NO: " + ", ".join(k for k, v in c.items() if v is False)


def render_table(results: list[dict]) -> str:
    rows = table_rows(results)
    header = ["metric"] + [f"N = {r['n']:,} ({r.get('profile', 'ample')})" for r in results]
    widths = [max(len(header[0]), *(len(label) for label, _ in rows))]
    for i in range(len(results)):
        widths.append(max(len(header[i + 1]), *(len(vals[i]) for _, vals in rows)))

    def line(cells):
        return "| " + " | ".join(c.ljust(widths[0]) if j == 0 else c.rjust(widths[j]) for j, c in enumerate(cells)) + " |"

    out = [line(header), "|" + "|".join(("-" * (w + 1) + ":") if j else ("-" * (w + 2)) for j, w in enumerate(widths)) + "|"]
    out += [line([label, *vals]) for label, vals in rows]
    return "\n".join(out)


def notes(results: list[dict]) -> str:
    es = next((get(r, "peers", "eventsourcing") for r in results if get(r, "peers", "eventsourcing", "sample")), None)
    lines = [
        f"Seed {SEED}; {POINTS} points over each history's effective range; in-process timings are "
        f"{REPEATS} repeats per point; new-process timings include process start and ledger load.",
        "The fleet question is the same SQL on SQLite and DuckDB (voids excluded); ratios above 1× favour capacity.",
        "Peak RSS by GNU time (`/usr/bin/time -f %M`); a query process's is that of the fleet and capacity questions at the middle point."
        if GNU_TIME else "Peak RSS as the kernel reports it to the harness: at least the harness's own size (GNU time was not found).",
    ]
    if es:
        lines.append(f"eventsourcing {es.get('version')}: first {ES_SAMPLE:,} events (or N) of the same file, "
                     f"{es['aggregates']} aggregates (one per site, one for the rest), SQLite persistence.")
    for r in results:
        count = get(r, "append", "count")
        if count is not None and count < APPENDS:
            lines.append(f"N = {r['n']:,}: append percentiles over {count} of {APPENDS} appends (time budget).")
        for name in ("sqlite", "duckdb"):
            p = get(r, "peers", name, "fleet", "points")
            if p is not None and p < POINTS:
                lines.append(f"N = {r['n']:,}: {name} fleet median over {p} of {POINTS} points (time budget).")
            if get(r, "peers", name, "error"):
                lines.append(f"N = {r['n']:,}: {name} failed: {r['peers'][name]['error']}")
        if get(r, "peers", "eventsourcing", "error"):
            lines.append(f"N = {r['n']:,}: eventsourcing failed: {r['peers']['eventsourcing']['error']}")
    return "\n".join("- " + s for s in lines)


def json_safe(x):
    if isinstance(x, dict):
        return {("/".join(k) if isinstance(k, tuple) else k): json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    return x


def write_results(results: list[dict], table: str) -> None:
    meta = {"date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), "machine": platform.node(),
            "cpus": os.cpu_count(), "python": platform.python_version(), "binary": BIN_SOURCE, "seed": SEED}
    with open(os.path.join(WORK, "results.json"), "w") as f:
        json.dump({"meta": meta, "results": json_safe(results)}, f, indent=2)
    with open(os.path.join(WORK, "results.md"), "w") as f:
        f.write(f"# Capacity Ledger benchmark ({meta['date']}, {meta['cpus']} CPUs)\n\n{table}\n\n{notes(results)}\n")


def main() -> int:
    if not SIZES:
        log("BENCH_SIZES is empty")
        return 2
    sys.path.insert(0, HERE)
    sys.dont_write_bytecode = True  # no __pycache__ beside peers.py
    try:
        binary = prepare_binary()
        if not NO_PEERS:
            ensure_peer_packages()
        results = []
        for n in SIZES:
            for profile in PROFILES:
                results.append(bench_size(binary, n, profile))
            write_results(results, render_table(results))  # partial results survive a later failure
    except BenchError as e:
        log(f"error: {e}")
        return 1
    table = render_table(results)
    write_results(results, table)
    print(table)
    print()
    print(notes(results))
    log(f"\nwritten: {WORK}/results.md, {WORK}/results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
