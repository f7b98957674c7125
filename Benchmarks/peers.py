"""Peers for the benchmark: the same history loaded into SQLite, DuckDB and a Python
`eventsourcing` application, and the same fleet question asked of the two SQL engines.

bench.py installs duckdb and eventsourcing before importing this module; each peer still fails
on its own (with a clear message) if its package is missing.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import time
import uuid

try:  # Module-level classes: eventsourcing finds event and aggregate classes by their topic.
    from eventsourcing.application import Application
    from eventsourcing.domain import Aggregate, event
except ImportError:  # pragma: no cover - reported when the peer runs
    Application = Aggregate = None

DUCKDB_TYPES = {
    "type": "VARCHAR", "effective": "VARCHAR", "site": "VARCHAR", "model": "VARCHAR", "rack": "VARCHAR",
    "chips": "BIGINT", "kw": "DOUBLE", "quantity": "BIGINT", "mw": "DOUBLE", "investor": "VARCHAR",
    "recipient": "VARCHAR", "usd": "BIGINT", "target": "BIGINT",
}

# The fleet question at time T: per site and model, delivered, installed (racks installed <= T and
# not retired <= T), retired (chips of the racks retired <= T, matched to their install by site and
# rack) and the site's allocated MW (allocated - released <= T). Voided events (targets of
# event.voided) never count. `effective` is an ISO string normalised to YYYY-MM-DDTHH:MM:SSZ, so
# string order is time order. The four ? are all T. The same text runs on SQLite and DuckDB.
# Retirements are matched with IN over a "len:site+rack" key: SQLite answers that with one
# temporary index, where a LEFT JOIN of the two CTEs on (site, rack) runs as a nested loop
# (quadratic: minutes at 1M events).
FLEET_SQL = """
WITH voided AS (SELECT target FROM events WHERE type = 'event.voided'),
delivered AS (
    SELECT site, model, SUM(quantity) AS delivered FROM events
    WHERE type = 'chips.delivered' AND effective <= ? AND seq NOT IN (SELECT target FROM voided)
    GROUP BY site, model),
installs AS (
    SELECT site, rack, model, chips FROM events
    WHERE type = 'rack.installed' AND effective <= ? AND seq NOT IN (SELECT target FROM voided)),
retirements AS (
    SELECT site, rack FROM events
    WHERE type = 'rack.retired' AND effective <= ? AND seq NOT IN (SELECT target FROM voided)),
racks AS (
    SELECT site, model,
           SUM(CASE WHEN gone THEN 0 ELSE chips END) AS installed,
           SUM(CASE WHEN gone THEN chips ELSE 0 END) AS retired
    FROM (SELECT site, model, chips,
                 (length(site) || ':' || site || rack) IN (SELECT length(site) || ':' || site || rack FROM retirements)
                     AS gone
          FROM installs) AS i
    GROUP BY site, model),
power AS (
    SELECT site, SUM(CASE WHEN type = 'power.allocated' THEN mw ELSE -mw END) AS allocated_mw FROM events
    WHERE type IN ('power.allocated', 'power.released') AND effective <= ?
      AND seq NOT IN (SELECT target FROM voided)
    GROUP BY site),
pairs AS (SELECT site, model FROM delivered UNION SELECT site, model FROM racks)
SELECT p.site, p.model,
       COALESCE(d.delivered, 0), COALESCE(k.installed, 0), COALESCE(k.retired, 0), COALESCE(w.allocated_mw, 0)
FROM pairs p
LEFT JOIN delivered d ON d.site = p.site AND d.model = p.model
LEFT JOIN racks k ON k.site = p.site AND k.model = p.model
LEFT JOIN power w ON w.site = p.site
ORDER BY p.site, p.model
"""

# A cheap fingerprint of (seq, type, effective) over the whole table: equal fingerprints mean both
# engines numbered the lines the same way (void targets are line numbers).
ORDER_CHECK_SQL = "SELECT COUNT(*), SUM(seq * (LENGTH(type) + LENGTH(effective) + LENGTH(COALESCE(site, ''))))" \
                  " FROM events"


def fleet_answer(rows) -> dict:
    """{"fleet": {(site, model): (delivered, installed, retired)}, "allocated_mw": {site: mw}} without all-zero rows."""
    fleet, power = {}, {}
    for site, model, delivered, installed, retired, mw in rows:
        if delivered or installed or retired:
            fleet[(site, model)] = (int(delivered), int(installed), int(retired))
        power[site] = round(float(mw), 6)
    return {"fleet": fleet, "allocated_mw": power}


def _time_points(run, points: list[str], budget_s: float, log) -> dict:
    """Runs `run(t)` at each point (a spread order, so a budget cut still covers the range)."""
    width = max(1, (len(points) - 1).bit_length())  # bit-reversed order: 0, 16, 8, 4, 12, ...
    order = sorted(range(len(points)), key=lambda i: (int(format(i, f"0{width}b")[::-1], 2), i))
    times, start = [], time.perf_counter()
    for i in order:
        t0 = time.perf_counter()
        run(points[i])
        times.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() - start > budget_s and len(times) < len(points):
            log(f"    time budget of {budget_s:.0f} s reached after {len(times)} of {len(points)} points")
            break
    return {"median_ms": statistics.median(times), "max_ms": max(times), "points": len(times)}


# ---------------------------------------------------------------- SQLite

def _lines(path: str):
    with open(path, "rb") as f:
        for seq, line in enumerate(f, 1):
            yield seq, line.decode()


# SQLite parses each line itself (JSON1 ->>): about twice as fast as json.loads in Python.
SQLITE_INSERT = """INSERT INTO events
    SELECT ?1, j->>'type',
           CASE WHEN length(j->>'effective') = 10 THEN (j->>'effective') || 'T00:00:00Z' ELSE j->>'effective' END,
           j->>'site', j->>'model', j->>'rack', j->>'chips', j->>'kw', j->>'quantity', j->>'mw',
           j->>'investor', j->>'recipient', j->>'usd', j->>'target'
    FROM (SELECT json(?2) AS j)"""


def sqlite_bench(history: str, db: str, points: list[str], check_point: str, budget_s: float, log) -> dict:
    """Load (parse + insert + index, one WAL transaction, synchronous=FULL), then the fleet question.
    Needs SQLite 3.38 or later (the ->> operator)."""
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    t0 = time.perf_counter()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("""CREATE TABLE events (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, effective TEXT NOT NULL,
        site TEXT, model TEXT, rack TEXT, chips INTEGER, kw REAL, quantity INTEGER, mw REAL, investor TEXT,
        recipient TEXT, usd INTEGER, target INTEGER)""")
    con.execute("BEGIN")
    con.executemany(SQLITE_INSERT, _lines(history))
    con.execute("CREATE INDEX events_type_effective ON events (type, effective)")
    con.execute("COMMIT")
    load_s = time.perf_counter() - t0
    n = con.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    log(f"    SQLite load: {n:,} events in {load_s:.2f} s")
    answer = fleet_answer(con.execute(FLEET_SQL, (check_point,) * 4).fetchall())  # also warms the cache
    timing = _time_points(lambda t: con.execute(FLEET_SQL, (t,) * 4).fetchall(), points, budget_s, log)
    order = list(con.execute(ORDER_CHECK_SQL).fetchone())
    con.close()
    return {"events": n, "load_s": load_s, "load_events_per_s": n / load_s, "fleet": timing,
            "answer": answer, "order_check": order, "db_bytes": _size(db)}


# ---------------------------------------------------------------- DuckDB

def duckdb_bench(history: str, db: str, points: list[str], check_point: str, budget_s: float, log) -> dict:
    """Load with read_json (explicit column types; no rule checks) into a table, then the fleet question."""
    import duckdb

    for suffix in ("", ".wal"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in DUCKDB_TYPES.items()) + "}"
    path = history.replace("'", "''")
    t0 = time.perf_counter()
    con = duckdb.connect(db)
    con.execute(f"""CREATE TABLE events AS
        SELECT ordinality AS seq, type,
               CASE WHEN length(effective) = 10 THEN effective || 'T00:00:00Z' ELSE effective END AS effective,
               site, model, rack, chips, kw, quantity, mw, investor, recipient, usd, target
        FROM read_json('{path}', format = 'newline_delimited', columns = {columns}) WITH ORDINALITY""")
    con.execute("CHECKPOINT")
    load_s = time.perf_counter() - t0
    n = con.execute("SELECT COUNT(*) FROM events").fetchone()[0]
    log(f"    DuckDB load: {n:,} events in {load_s:.2f} s")
    answer = fleet_answer(con.execute(FLEET_SQL, [check_point] * 4).fetchall())
    timing = _time_points(lambda t: con.execute(FLEET_SQL, [t] * 4).fetchall(), points, budget_s, log)
    order = list(con.execute(ORDER_CHECK_SQL).fetchone())
    con.close()
    return {"events": n, "load_s": load_s, "load_events_per_s": n / load_s, "fleet": timing,
            "answer": answer, "order_check": [int(x) for x in order], "db_bytes": _size(db)}


# ---------------------------------------------------------------- eventsourcing

if Aggregate is not None:

    class SiteLedger(Aggregate):
        """One aggregate per site: deliveries, racks and power, as aggregate events."""

        @staticmethod
        def create_id(site: str, name: str, power_cap_mw: float) -> uuid.UUID:
            return uuid.uuid5(uuid.NAMESPACE_URL, "capacity-bench/site/" + site)

        @event("Opened")
        def __init__(self, site: str, name: str, power_cap_mw: float):
            self.site, self.name, self.power_cap_mw = site, name, power_cap_mw
            self.delivered: dict[str, int] = {}
            self.installed: dict[str, int] = {}
            self.retired: dict[str, int] = {}
            self.racks: dict[str, tuple[str, int, float]] = {}
            self.allocated_mw = 0.0

        @event("ChipsDelivered")
        def deliver(self, effective: str, model: str, quantity: int):
            self.delivered[model] = self.delivered.get(model, 0) + quantity

        @event("RackInstalled")
        def install(self, effective: str, rack: str, model: str, chips: int, kw: float):
            self.racks[rack] = (model, chips, kw)
            self.installed[model] = self.installed.get(model, 0) + chips

        @event("RackRetired")
        def retire(self, effective: str, rack: str):
            model, chips, _ = self.racks.pop(rack)
            self.installed[model] -= chips
            self.retired[model] = self.retired.get(model, 0) + chips

        @event("PowerAllocated")
        def allocate(self, effective: str, mw: float):
            self.allocated_mw += mw

        @event("PowerReleased")
        def release(self, effective: str, mw: float):
            self.allocated_mw -= mw

    class FleetLedger(Aggregate):
        """The events that belong to no site: chip models, investments and voids."""

        @staticmethod
        def create_id() -> uuid.UUID:
            return uuid.uuid5(uuid.NAMESPACE_URL, "capacity-bench/fleet")

        @event("Created")
        def __init__(self):
            self.models: dict[str, dict] = {}
            self.committed: dict[str, int] = {}
            self.voids: list[int] = []

        @event("ChipModelDefined")
        def define_model(self, effective: str, model: str, vendor: str, bf16_tflops: float, fp8_tflops: float):
            self.models[model] = {"vendor": vendor, "bf16": bf16_tflops, "fp8": fp8_tflops}

        @event("InvestmentCommitted")
        def invest(self, effective: str, investor: str, recipient: str, usd: int):
            key = investor + "/" + recipient
            self.committed[key] = self.committed.get(key, 0) + usd

        @event("EventVoided")
        def void(self, effective: str, target: int, reason: str):
            self.voids.append(target)

    class CapacityApplication(Application):
        name = "CapacityBench"


def _apply(e: dict, sites: dict, fleet) -> object:
    t = e["type"]
    if t == "site.opened":
        agg = SiteLedger(site=e["site"], name=e.get("name", e["site"]), power_cap_mw=e.get("power_cap_mw", 0))
        sites[e["site"]] = agg
        return agg
    if t == "chip.model.defined":
        fleet.define_model(e["effective"], e["model"], e["vendor"], e["bf16_tflops"], e["fp8_tflops"])
    elif t == "chips.delivered":
        sites[e["site"]].deliver(e["effective"], e["model"], e["quantity"])
    elif t == "rack.installed":
        sites[e["site"]].install(e["effective"], e["rack"], e["model"], e["chips"], e["kw"])
    elif t == "rack.retired":
        sites[e["site"]].retire(e["effective"], e["rack"])
    elif t == "power.allocated":
        sites[e["site"]].allocate(e["effective"], e["mw"])
    elif t == "power.released":
        sites[e["site"]].release(e["effective"], e["mw"])
    elif t == "investment.committed":
        fleet.invest(e["effective"], e["investor"], e["recipient"], e["usd"])
    elif t == "event.voided":
        fleet.void(e["effective"], e["target"], e.get("reason", ""))
    else:
        raise ValueError(f"unexpected event type {t}")
    return None


def eventsourcing_bench(history: str, db: str, sample: int, batch: int, singles: int, log) -> dict:
    """Append the first `sample` events as aggregate events (saved `batch` events at a time), then
    reconstruct every aggregate from its stored events; then `singles` one-event saves."""
    if Aggregate is None:
        raise RuntimeError("the eventsourcing package is not installed (python3 -m pip install eventsourcing)")
    import eventsourcing
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    events = []
    with open(history, "rb") as f:
        for line in f:
            events.append(json.loads(line))
            if len(events) >= sample:
                break
    env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": db}

    t0 = time.perf_counter()
    app = CapacityApplication(env=env)
    fleet = FleetLedger()
    sites: dict[str, SiteLedger] = {}
    pending = 1
    for e in events:
        _apply(e, sites, fleet)
        pending += 1
        if pending >= batch:
            app.save(fleet, *sites.values())
            pending = 0
    if pending:
        app.save(fleet, *sites.values())
    append_s = time.perf_counter() - t0
    ids = [fleet.id] + [s.id for s in sites.values()]
    stored = fleet.version + sum(s.version for s in sites.values())
    log(f"    eventsourcing append: {stored:,} events in {append_s:.2f} s")
    app.close()

    # Replay from a new application object: nothing cached, every aggregate read back from SQLite.
    app = CapacityApplication(env=env)
    t0 = time.perf_counter()
    replayed = sum(app.repository.get(i).version for i in ids)
    replay_s = time.perf_counter() - t0
    log(f"    eventsourcing replay: {replayed:,} events in {replay_s:.2f} s")

    # One-event durable saves, for the single-append comparison.
    fleet = app.repository.get(ids[0])
    single_ms = []
    for _ in range(singles):
        s0 = time.perf_counter()
        fleet.invest("2025-01-01", "bench", "anthropic", 1)
        app.save(fleet)
        single_ms.append((time.perf_counter() - s0) * 1000)
    app.close()
    return {"version": getattr(eventsourcing, "__version__", None) or _dist_version("eventsourcing"),
            "sample": len(events), "aggregates": len(ids), "batch": batch,
            "append_events": stored, "append_s": append_s, "append_events_per_s": stored / append_s,
            "replay_events": replayed, "replay_s": replay_s, "replay_events_per_s": replayed / replay_s,
            "single_save_ms": single_ms}


def _dist_version(name: str):
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:
        return None


def _size(path: str) -> int:
    return sum(os.path.getsize(path + s) for s in ("", "-wal", ".wal") if os.path.exists(path + s))
