#!/usr/bin/env python3
"""Re-validate the demo history and print its headline figures.

Reads events/catalog.jsonl then events/rainier.jsonl (seq = 1-based position
across both files in that order) and checks, independently of the ledger:

  * line format: allowed fields per type, slugs, finite non-negative numbers,
    integers where required, power values with at most 3 decimals, notes of
    at most 1024 bytes, `recorded` and `source` on every line;
  * recording order: `recorded` never decreases in file order; recorded is on
    or after effective except for catalog entries and events whose note
    starts with "plan"; lags are 0-3 days except notes starting "recorded late";
  * ledger rules on the effective timeline (effective order, ties by seq,
    voided events ignored), for the full history AND for every prefix of the
    files, i.e. for every `known=` cut of the history:
      - a site is opened once and before any event at it;
      - a chip model is defined before deliveries and racks that use it;
      - a rack id is not active when installed, and active when retired;
      - undeployed chips (delivered - installed) per site and model never
        go below zero;
      - allocated power never exceeds the site's cap nor goes below zero;
      - a void targets an earlier, non-void, not yet voided event, and the
        history without the target still obeys every rule;
  * the late-recorded event can be removed without breaking any rule;
  * the figures the history is built to show.

Stdlib only. Run:  python3 events/check_history.py [events-dir]
"""

from __future__ import annotations

import json
import re
import sys
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
DIR = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE   # optional: another events directory
FILES = [DIR / "catalog.jsonl", DIR / "rainier.jsonl"]

SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")

COMMON = {"type", "effective", "recorded", "note", "source"}
# type -> (required fields, optional fields)
SCHEMA = {
    "site.opened": ({"site", "name"}, {"region", "power_cap_mw", "acres"}),
    "chip.model.defined": ({"model", "vendor", "bf16_tflops", "fp8_tflops"}, {"hbm_gb", "watts"}),
    "chips.delivered": ({"site", "model", "quantity"}, set()),
    "rack.installed": ({"site", "rack", "model", "chips", "kw"}, set()),
    "rack.retired": ({"site", "rack"}, set()),
    "power.allocated": ({"site", "mw"}, set()),
    "power.released": ({"site", "mw"}, set()),
    "investment.committed": ({"investor", "recipient", "usd"}, {"instrument"}),
    "event.voided": ({"target", "reason"}, set()),
}
IDS = {"site", "model", "rack"}
STRINGS = {"name", "region", "vendor", "investor", "recipient", "instrument", "reason", "note", "source"}
POSITIVE = {"power_cap_mw", "bf16_tflops", "fp8_tflops", "kw", "mw"}
NONNEG = {"acres", "hbm_gb", "watts"}
POS_INT = {"quantity", "chips", "usd", "target"}
POWER = {"kw", "mw", "power_cap_mw"}

W_PER_MW = 1_000_000
W_PER_KW = 1_000


class Fail(Exception):
    pass


def fail(msg: str) -> None:
    raise Fail(msg)


def parse_time(s: str) -> datetime:
    if DATE.match(s):
        return datetime.strptime(s, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    if DATETIME.match(s):
        return datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    raise ValueError(s)


def no_constants(name: str):
    raise ValueError(f"non-finite number {name}")


# ---------------------------------------------------------------------------
# Loading and format
# ---------------------------------------------------------------------------
def load() -> list[dict]:
    events = []
    for path in FILES:
        with path.open("rb") as f:
            for lineno, raw in enumerate(f, start=1):
                where = f"{path.name}:{lineno}"
                if not raw.endswith(b"\n"):
                    fail(f"{where}: missing final newline")
                try:
                    e = json.loads(raw.decode("utf-8"), parse_float=Decimal, parse_constant=no_constants)
                except ValueError as ex:
                    fail(f"{where}: bad JSON: {ex}")
                if not isinstance(e, dict):
                    fail(f"{where}: not an object")
                e["_seq"] = len(events) + 1
                e["_where"] = where
                e["_file"] = path.name
                check_format(e)
                events.append(e)
    return events


def check_format(e: dict) -> None:
    w = e["_where"]
    t = e.get("type")
    if t not in SCHEMA:
        fail(f"{w}: unknown type {t!r}")
    req, opt = SCHEMA[t]
    keys = {k for k in e if not k.startswith("_")}
    missing = (req | {"effective", "recorded", "source"}) - keys
    extra = keys - req - opt - COMMON
    if missing:
        fail(f"{w}: missing {sorted(missing)}")
    if extra:
        fail(f"{w}: fields not allowed for {t}: {sorted(extra)}")
    try:
        e["_eff"] = parse_time(e["effective"])
    except (TypeError, ValueError):
        fail(f"{w}: bad effective {e['effective']!r}")
    if not (isinstance(e["recorded"], str) and DATETIME.match(e["recorded"])):
        fail(f"{w}: recorded must be a UTC date-time")
    e["_rec"] = parse_time(e["recorded"])
    for k in keys:
        v = e[k]
        if k in IDS:
            if not (isinstance(v, str) and SLUG.match(v) and len(v.encode()) <= 64):
                fail(f"{w}: {k} is not a slug: {v!r}")
        elif k in STRINGS:
            if not (isinstance(v, str) and v):
                fail(f"{w}: {k} must be a non-empty string")
        elif k in POS_INT:
            if not (type(v) is int and v > 0):
                fail(f"{w}: {k} must be an integer > 0")
        elif k in POSITIVE | NONNEG:
            if type(v) is bool or not isinstance(v, (int, Decimal)):
                fail(f"{w}: {k} must be a number")
            d = Decimal(v)
            if not d.is_finite() or d < 0 or (k in POSITIVE and d == 0):
                fail(f"{w}: {k} out of range: {v}")
            if k in POWER and d.as_tuple().exponent < -3 and d != d.quantize(Decimal("0.001")):
                fail(f"{w}: {k} has more than 3 decimals: {v}")
    if "note" in e and len(e["note"].encode("utf-8")) > 1024:
        fail(f"{w}: note longer than 1024 bytes")
    for k in ("kw", "mw", "power_cap_mw"):
        if k in e:
            scale = W_PER_KW if k == "kw" else W_PER_MW
            e["_" + k + "_w"] = int(Decimal(e[k]) * scale)


def is_plan(e: dict) -> bool:
    return e.get("note", "").startswith("plan")


def is_late(e: dict) -> bool:
    return e.get("note", "").startswith("recorded late")


def check_recording(events: list[dict]) -> None:
    prev = None
    for e in events:
        if prev is not None and e["_rec"] < prev:
            fail(f"{e['_where']}: recorded goes backwards")
        prev = e["_rec"]
        if e["_file"] == "catalog.jsonl" or is_plan(e):
            continue
        lag = e["_rec"] - e["_eff"]
        if lag < timedelta(0):
            fail(f"{e['_where']}: recorded before effective but not marked as a plan")
        if lag > timedelta(days=3) and not is_late(e):
            fail(f"{e['_where']}: recorded {lag} after effective but not marked as recorded late")
        if is_late(e) and lag <= timedelta(days=7):
            fail(f"{e['_where']}: marked late but recorded within a week")


# ---------------------------------------------------------------------------
# Suffix-add / global min-max tree over timeline positions
# ---------------------------------------------------------------------------
class Tree:
    """Values at positions 0..n-1; add to a suffix; read global min and max."""

    def __init__(self, n: int) -> None:
        self.n = n
        size = 1
        while size < n:
            size *= 2
        self.size = size
        self.add = [0] * (2 * size)
        self.mn = [0] * (2 * size)
        self.mx = [0] * (2 * size)

    def add_suffix(self, p: int, v: int) -> None:
        self._add(1, 0, self.size, p, self.size, v)

    def _add(self, node, lo, hi, a, b, v):
        if b <= lo or hi <= a:
            return
        if a <= lo and hi <= b:
            self.add[node] += v
            self.mn[node] += v
            self.mx[node] += v
            return
        mid = (lo + hi) // 2
        self._add(2 * node, lo, mid, a, b, v)
        self._add(2 * node + 1, mid, hi, a, b, v)
        self.mn[node] = min(self.mn[2 * node], self.mn[2 * node + 1]) + self.add[node]
        self.mx[node] = max(self.mx[2 * node], self.mx[2 * node + 1]) + self.add[node]

    def min(self) -> int:
        return self.mn[1]

    def max(self) -> int:
        return self.mx[1]


# ---------------------------------------------------------------------------
# Ledger rules, checked append by append (every prefix = every known= cut)
# ---------------------------------------------------------------------------
class Ledger:
    def __init__(self, events: list[dict]) -> None:
        self.events = events
        order = sorted(events, key=lambda e: (e["_eff"], e["_seq"]))
        self.pos = {e["_seq"]: i for i, e in enumerate(order)}
        self.n = len(order)
        self.by_seq = {e["_seq"]: e for e in events}
        self.present: set[int] = set()
        self.voided: set[int] = set()
        self.sites: dict[str, dict] = {}      # site -> opening event (not voided)
        self.models: dict[str, dict] = {}
        self.refs: dict[tuple, int] = defaultdict(int)
        self.stock: dict[tuple, Tree] = {}    # (site, model) -> undeployed chips
        self.power: dict[str, Tree] = {}      # site -> allocated W
        self.racks: dict[tuple, list] = defaultdict(list)  # (site, rack) -> [(pos, kind, seq)]

    def tree(self, table, key):
        if key not in table:
            table[key] = Tree(self.n)
        return table[key]

    def where(self, e):
        return f"{e['_where']} (seq {e['_seq']}, {e['type']})"

    def require_site(self, e):
        s = self.sites.get(e["site"])
        if s is None or self.pos[s["_seq"]] > self.pos[e["_seq"]]:
            fail(f"{self.where(e)}: site {e['site']} not opened before this event")

    def require_model(self, e):
        m = self.models.get(e["model"])
        if m is None or self.pos[m["_seq"]] > self.pos[e["_seq"]]:
            fail(f"{self.where(e)}: model {e['model']} not defined before this event")

    def check_rack(self, e, key):
        lst = self.racks[key]
        lst.sort()
        for i, (_, kind, _) in enumerate(lst):
            if kind != ("I" if i % 2 == 0 else "R"):
                what = "installed while active" if kind == "I" else "retired while not active"
                fail(f"{self.where(e)}: rack {key[1]} at {key[0]} {what}")

    def check_stock(self, e, key):
        if self.stock[key].min() < 0:
            fail(f"{self.where(e)}: undeployed {key[1]} chips at {key[0]} would go below zero")

    def check_power(self, e, site):
        t = self.power[site]
        if t.min() < 0:
            fail(f"{self.where(e)}: more power released than allocated at {site}")
        cap = self.sites[site].get("_power_cap_mw_w")
        if cap is not None and t.max() > cap:
            fail(f"{self.where(e)}: allocated power exceeds the cap at {site}")

    def apply(self, e, sign=1):
        """Add (sign=1) or remove (sign=-1) an event's effect, then check."""
        t, p, seq = e["type"], self.pos[e["_seq"]], e["_seq"]
        if t == "site.opened":
            if sign > 0:
                if e["site"] in self.sites:
                    fail(f"{self.where(e)}: site {e['site']} opened twice")
                self.sites[e["site"]] = e
            else:
                if self.refs[("site", e["site"])]:
                    fail(f"{self.where(e)}: cannot void the opening of a site in use")
                del self.sites[e["site"]]
        elif t == "chip.model.defined":
            if sign > 0:
                if e["model"] in self.models:
                    fail(f"{self.where(e)}: model {e['model']} defined twice")
                self.models[e["model"]] = e
            else:
                if self.refs[("model", e["model"])]:
                    fail(f"{self.where(e)}: cannot void a model in use")
                del self.models[e["model"]]
        elif t == "investment.committed":
            pass
        else:
            if sign > 0:
                self.require_site(e)
                if "model" in e:
                    self.require_model(e)
            self.refs[("site", e["site"])] += sign
            if "model" in e:
                self.refs[("model", e["model"])] += sign
            if t == "chips.delivered":
                key = (e["site"], e["model"])
                self.tree(self.stock, key).add_suffix(p, sign * e["quantity"])
                self.check_stock(e, key)
            elif t in ("rack.installed", "rack.retired"):
                key = (e["site"], e["rack"])
                entry = (p, "I" if t == "rack.installed" else "R", seq)
                if sign > 0:
                    self.racks[key].append(entry)
                else:
                    self.racks[key].remove(entry)
                self.check_rack(e, key)
                if t == "rack.installed":
                    skey = (e["site"], e["model"])
                    self.tree(self.stock, skey).add_suffix(p, -sign * e["chips"])
                    self.check_stock(e, skey)
            elif t in ("power.allocated", "power.released"):
                d = e["_mw_w"] if t == "power.allocated" else -e["_mw_w"]
                self.tree(self.power, e["site"]).add_suffix(p, sign * d)
                self.check_power(e, e["site"])

    def append(self, e):
        seq = e["_seq"]
        if e["type"] == "event.voided":
            tgt = e["target"]
            if not (1 <= tgt < seq) or tgt not in self.present:
                fail(f"{self.where(e)}: target {tgt} is not an earlier event")
            target = self.by_seq[tgt]
            if target["type"] == "event.voided":
                fail(f"{self.where(e)}: cannot void a void")
            if tgt in self.voided:
                fail(f"{self.where(e)}: target {tgt} already voided")
            self.apply(target, -1)
            self.voided.add(tgt)
        else:
            self.apply(e, +1)
        self.present.add(seq)


def validate(events: list[dict]) -> Ledger:
    led = Ledger(events)
    for e in events:
        led.append(e)
    return led


def validate_full_timeline(events: list[dict]) -> None:
    """Second, independent pass: replay the whole history in effective order."""
    voided = set()
    seqs = set()
    for e in events:
        if e["type"] == "event.voided":
            tgt = e["target"]
            if tgt not in seqs or tgt in voided:
                fail(f"seq {e['_seq']}: bad void target {tgt}")
            voided.add(tgt)
        seqs.add(e["_seq"])
    live = sorted((e for e in events if e["type"] != "event.voided" and e["_seq"] not in voided),
                  key=lambda e: (e["_eff"], e["_seq"]))
    sites, models, active = {}, set(), set()
    stock = defaultdict(int)
    alloc = defaultdict(int)
    for e in live:
        t = e["type"]
        if t == "site.opened":
            if e["site"] in sites:
                fail(f"seq {e['_seq']}: site opened twice")
            sites[e["site"]] = e.get("_power_cap_mw_w")
            continue
        if t == "chip.model.defined":
            models.add(e["model"])
            continue
        if t == "investment.committed":
            continue
        if e["site"] not in sites:
            fail(f"seq {e['_seq']}: site {e['site']} not open")
        if "model" in e and e["model"] not in models:
            fail(f"seq {e['_seq']}: model {e['model']} not defined")
        if t == "chips.delivered":
            stock[(e["site"], e["model"])] += e["quantity"]
        elif t == "rack.installed":
            if (e["site"], e["rack"]) in active:
                fail(f"seq {e['_seq']}: rack already active")
            active.add((e["site"], e["rack"]))
            stock[(e["site"], e["model"])] -= e["chips"]
            if stock[(e["site"], e["model"])] < 0:
                fail(f"seq {e['_seq']}: not enough undeployed chips")
        elif t == "rack.retired":
            if (e["site"], e["rack"]) not in active:
                fail(f"seq {e['_seq']}: rack not active")
            active.discard((e["site"], e["rack"]))
        elif t == "power.allocated":
            alloc[e["site"]] += e["_mw_w"]
            cap = sites[e["site"]]
            if cap is not None and alloc[e["site"]] > cap:
                fail(f"seq {e['_seq']}: allocation exceeds cap")
        elif t == "power.released":
            alloc[e["site"]] -= e["_mw_w"]
            if alloc[e["site"]] < 0:
                fail(f"seq {e['_seq']}: released more than allocated")


# ---------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------
def state_at(events, at: datetime, known: datetime | None = None) -> dict:
    """Per-site allocated/drawn power and energized chips at `at`, as known at `known`."""
    seen = [e for e in events if known is None or e["_rec"] <= known]
    voided = {e["target"] for e in seen if e["type"] == "event.voided"}
    live = sorted((e for e in seen if e["type"] != "event.voided" and e["_seq"] not in voided
                   and e["_eff"] <= at), key=lambda e: (e["_eff"], e["_seq"]))
    sites = defaultdict(lambda: {"alloc_w": 0, "racks": {}, "delivered": defaultdict(int),
                                 "installed": defaultdict(int)})
    for e in live:
        t = e["type"]
        if t in ("site.opened", "chip.model.defined", "investment.committed"):
            continue
        s = sites[e["site"]]
        if t == "power.allocated":
            s["alloc_w"] += e["_mw_w"]
        elif t == "power.released":
            s["alloc_w"] -= e["_mw_w"]
        elif t == "chips.delivered":
            s["delivered"][e["model"]] += e["quantity"]
        elif t == "rack.installed":
            s["racks"][e["rack"]] = e          # dict keeps install order
            s["installed"][e["model"]] += e["chips"]
        elif t == "rack.retired":
            s["racks"].pop(e["rack"])
    out = {}
    for name, s in sites.items():
        free = s["alloc_w"]
        drawn, energized, stranded = 0, defaultdict(int), 0
        for r in s["racks"].values():
            if r["_kw_w"] <= free:
                free -= r["_kw_w"]
                drawn += r["_kw_w"]
                energized[r["model"]] += r["chips"]
            else:
                stranded += 1
        out[name] = {"alloc_w": s["alloc_w"], "drawn_w": drawn, "energized": dict(energized),
                     "stranded": stranded, "delivered": dict(s["delivered"]),
                     "undeployed": {m: s["delivered"][m] - s["installed"][m] for m in s["delivered"]}}
    return out


def mw(w: int) -> str:
    return f"{Decimal(w) / W_PER_MW:,.3f} MW"


def total(state, model) -> int:
    return sum(s["energized"].get(model, 0) for s in state.values())


def main() -> int:
    try:
        events = load()
        check_recording(events)
        led = validate(events)
        validate_full_timeline(events)

        voids = [e for e in events if e["type"] == "event.voided"]
        late = [e for e in events if is_late(e)]
        if not voids:
            fail("no voided-and-corrected event")
        if not late:
            fail("no late-recorded event")
        for e in late:
            rest = [x for x in events if x is not e]
            try:
                validate(rest)
                validate_full_timeline(rest)
            except Fail as ex:
                fail(f"without late-recorded seq {e['_seq']}: {ex}")
    except Fail as ex:
        print(f"FAIL: {ex}")
        return 1

    print(f"OK: {len(events)} events ({sum(e['_file'] == 'catalog.jsonl' for e in events)} catalog), "
          "format, recording order and ledger rules hold for every known= cut")
    for v in voids:
        tgt = led.by_seq[v["target"]]
        print(f"  voided: seq {tgt['_seq']} ({tgt['type']} {tgt.get('quantity', '')}) by seq {v['_seq']}: "
              f"{v['reason']}")
        fix = [e for e in events if e["_seq"] > v["_seq"] and e["type"] == tgt["type"]
               and e["effective"] == tgt["effective"] and e.get("site") == tgt.get("site")]
        if fix:
            print(f"  corrected by seq {fix[0]['_seq']} (quantity {fix[0].get('quantity')})")
    for e in late:
        print(f"  late-recorded: seq {e['_seq']} effective {e['effective']} recorded {e['recorded']} "
              f"({e['type']} {e.get('quantity', '')}); history also valid without it")

    ok = True
    times = ["2025-10-29T00:00:00Z", "2025-12-31T00:00:00Z", "2026-01-01T00:00:00Z", "2026-12-31T00:00:00Z"]
    states = {}
    print()
    for ts in times:
        at = parse_time(ts)
        st = state_at(events, at)
        states[ts] = st
        label = " (plan)" if ts.startswith("2026-12") else ""
        print(f"at {ts}{label}: energized trainium2 {total(st, 'trainium2'):,}, "
              f"tpu-v7 {total(st, 'tpu-v7'):,}, b200 {total(st, 'b200'):,}")
        for name in sorted(st):
            s = st[name]
            if s["alloc_w"] or s["drawn_w"]:
                print(f"  {name:11s} allocated {mw(s['alloc_w']):>13s}  drawn {mw(s['drawn_w']):>13s}  "
                      f"stranded racks {s['stranded']}")
        print(f"  {'all sites':11s} allocated {mw(sum(s['alloc_w'] for s in st.values())):>13s}  "
              f"drawn {mw(sum(s['drawn_w'] for s in st.values())):>13s}")

    # Bitemporal view of the late-recorded delivery.
    sep = parse_time("2025-09-30T00:00:00Z")
    known = parse_time("2025-11-01T00:00:00Z")
    now = state_at(events, sep)["rainier-in"]
    then = state_at(events, sep, known)["rainier-in"]
    print(f"\nrainier-in trainium2 at 2025-09-30: delivered {now['delivered']['trainium2']:,} "
          f"(undeployed {now['undeployed']['trainium2']:,}) as now known; "
          f"{then['delivered']['trainium2']:,} (undeployed {then['undeployed']['trainium2']:,}) "
          "as known on 2025-11-01")

    inv = defaultdict(int)
    by = defaultdict(lambda: defaultdict(int))
    voided = {v["target"] for v in voids}
    for e in events:
        if e["type"] == "investment.committed" and e["_seq"] not in voided:
            inv[e["investor"]] += e["usd"]
            by[e["investor"]][e["recipient"]] += e["usd"]
    print("\ninvestments committed:")
    for who in sorted(inv):
        parts = ", ".join(f"{r} ${u / 1e9:g}B" for r, u in sorted(by[who].items()))
        print(f"  {who:9s} ${inv[who] / 1e9:g}B  ({parts})")

    # The figures the history is built to show.
    a, y = states[times[0]], states[times[1]]
    checks = [
        ("~500,000 trainium2 energized at activation", 495_000 <= total(a, "trainium2") <= 505_000),
        (">1,000,000 trainium2 energized by 2025-12-31", total(y, "trainium2") > 1_000_000),
        ("no stranded racks at the headline times", all(s["stranded"] == 0 for st in states.values()
                                                         for s in st.values())),
        ("7 Rainier buildings (7 x 73 MW) at activation", a["rainier-in"]["alloc_w"] == 7 * 73 * W_PER_MW),
        ("late delivery changes the September view", now["delivered"] != then["delivered"]),
        ("amazon $8B and google $3B to anthropic", by["amazon"]["anthropic"] == 8_000_000_000
         and by["google"]["anthropic"] == 3_000_000_000),
    ]
    print()
    for what, good in checks:
        print(f"  {'ok  ' if good else 'FAIL'} {what}")
        ok &= good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
