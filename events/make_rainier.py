#!/usr/bin/env python3
"""Generate the Project Rainier demo history for the capacity ledger.

Writes two JSON Lines files next to this script:

  catalog.jsonl  chip models (chip.model.defined)
  rainier.jsonl  sites, power, deliveries, racks and investments, oldest first
                 by `recorded` (file order is recording order)

The ledger imports catalog.jsonl first and rainier.jsonl second; an event's seq
is its 1-based position across both files in that order.

Every published figure is a named constant below, next to its source. Values
that no source publishes (delivery batches, install dates, rack power, the
per-building power split, the 2026 build-out schedules) are marked ESTIMATE
and carry "estimate" in the event note. See docs/rainier.md.

Deterministic: no randomness, no clock, no network. Python 3.11, stdlib only.
Run:  python3 events/make_rainier.py
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

# ---------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------
SRC_TRN2 = ("https://awsdocs-neuron.readthedocs-hosted.com/en/v2.29.0/_sources/"
            "about-neuron/arch/neuron-hardware/trainium2.rst")
SRC_TRN3 = ("https://awsdocs-neuron.readthedocs-hosted.com/en/v2.29.1/_sources/"
            "about-neuron/arch/neuron-hardware/trainium3.rst")
SRC_TPU_V6E = "https://docs.cloud.google.com/tpu/docs/v6e"
SRC_TPU_V7 = "https://docs.cloud.google.com/tpu/docs/tpu7x"
SRC_H100 = "NVIDIA H100 datasheet"
SRC_B200 = "https://glennklockwood.com/garden/processors/B200"

SRC_RAINIER_11B = ("https://www.wishtv.com/news/indiana-news/"
                   "amazon-web-services-to-invest-11b-to-create-new-indiana-data-center/")
SRC_REINVENT_2024 = "AWS re:Invent 2024 keynote"
SRC_RAINIER_CAMPUS = ("https://datacenter.news/story/"
                      "aws-s-11bn-indiana-data-centre-powers-anthropic-s-ai-growth")
SRC_RAINIER_ACRES = ("https://ceo-na.com/technology/"
                     "amazon-opens-11-billion-ai-data-center-in-rural-indiana-as-rivals-race-to-break-ground")
SRC_RAINIER_CHIPS = ("https://www.aboutamazon.com/news/aws/"
                     "aws-project-rainier-ai-trainium-chips-compute-cluster")
SRC_INDIANA_15B = ("https://dcpulse.com/news/"
                   "amazon-15-billion-investment-northern-indiana-data-centers-ai")

SRC_AMAZON_2023 = "https://www.axios.com/2023/09/25/amazon-anthropic-ai-investment-billions"
SRC_AMAZON_2024_03 = "Amazon's own announcement of 2024-03-27 (reported widely)"
SRC_AMAZON_2024_11 = ("https://www.ndtvprofit.com/business/"
                      "amazon-invests-an-additional-4-billion-in-ai-firm-anthropic")
SRC_GOOGLE_2023 = "https://www.axios.com/2023/10/30/google-invests-2-billion-anthropic-openai"
SRC_GOOGLE_2025 = ("https://www.biznews.com/tech/2025/01/22/"
                   "google-boosts-ai-rivalry-with-1-billion-investment")
SRC_MSFT_NVIDIA = ("https://www.webpronews.com/"
                   "ai-titans-unite-microsoft-and-nvidias-15b-power-move-on-anthropic/")

SRC_GOOGLE_TPU_DEAL = ("https://www.hurriyetdailynews.com/"
                       "anthropic-announces-massive-ai-chip-deal-with-google-214980")
SRC_AZURE_DEAL = SRC_MSFT_NVIDIA
SRC_MISSISSIPPI = ("https://www.industrialinfo.com/news/article/"
                   "mississippi-incentives-package-paves-way-for-two-amazon-data-centers--327803")
SRC_PENNSYLVANIA = "https://www.phillyvoice.com/amazon-data-centers-pennsylvania-bucks-luzerne-county"

# ---------------------------------------------------------------------------
# Published facts
# ---------------------------------------------------------------------------
# Chip models: vendor peak dense TFLOPS (see rainier-facts table "Chip models").
TRN2_BF16, TRN2_FP8, TRN2_HBM_GIB, TRN2_WATTS_EST = 667, 1299, 96, 500  # watts: estimate
TRN3_BF16, TRN3_FP8_MX, TRN3_HBM_GIB, TRN3_WATTS_REP = 671, 2517, 144, 1000  # watts: reported
TPU_V6E_BF16, TPU_V6E_FP8, TPU_V6E_HBM_GB = 918, 918, 32  # watts not published
TPU_V7_BF16, TPU_V7_FP8, TPU_V7_HBM_GIB = 2307, 4614, 192  # watts not published
H100_BF16, H100_FP8, H100_HBM_GB, H100_WATTS = 989, 1979, 80, 700
B200_BF16, B200_FP8, B200_HBM_GB, B200_WATTS = 2500, 5000, 192, 1200

TRN2_CHIPS_PER_ULTRASERVER = 64      # Trn2 UltraServer (trainium2.rst)
GB200_NVL72_GPUS = 72                # GB200 NVL72 rack: 72 B200 GPUs

# Project Rainier, New Carlisle, St. Joseph County, Indiana.
RAINIER_INVESTMENT_USD = 11_000_000_000          # 2024-04-25, SRC_RAINIER_11B
RAINIER_INVESTMENT_DATE = date(2024, 4, 25)
RAINIER_ANNOUNCED = date(2024, 12, 3)            # re:Invent 2024 keynote
RAINIER_CONSTRUCTION_START = date(2024, 9, 1)    # "2024-09" (reported); day estimated
RAINIER_ACRES = 1200                             # ~1,200 acres
RAINIER_BUILDINGS_PLANNED = 30                   # 30 buildings, ~200,000 sq ft each
RAINIER_BUILDINGS_AT_LAUNCH = 7                  # 7 running at launch
RAINIER_POWER_CAP_MW = 2200                      # ~2.2 GW at full build-out (reported)
RAINIER_ACTIVATION = date(2025, 10, 29)          # ~500,000 Trainium2 chips (SRC_RAINIER_CHIPS)
RAINIER_CHIPS_AT_ACTIVATION = 500_000            # "approximately 500,000"
RAINIER_YEAR_END = date(2025, 12, 31)            # ">1,000,000" expected by end of year
RAINIER_CHIPS_BY_YEAR_END = 1_000_000
INDIANA_FURTHER_USD = 15_000_000_000             # +$15B, +2.4 GW (reported), 2025-11-24
INDIANA_FURTHER_DATE = date(2025, 11, 24)

# Other parts of the fleet.
TPU_DEAL_DATE = date(2025, 10, 23)   # up to 1,000,000 TPUs, "well over a gigawatt" in 2026
TPU_DEAL_MAX_CHIPS = 1_000_000
AZURE_DEAL_DATE = date(2025, 11, 18)  # $30B of Azure compute, up to 1 GW
AZURE_DEAL_MAX_MW = 1000
MISSISSIPPI_USD, MISSISSIPPI_DATE = 10_000_000_000, date(2024, 1, 1)  # "2024-01"; day estimated
PENNSYLVANIA_USD, PENNSYLVANIA_DATE = 20_000_000_000, date(2025, 6, 9)

# ---------------------------------------------------------------------------
# Estimates (no source publishes these; each event that uses one says so)
# ---------------------------------------------------------------------------
# Trn2 UltraServer power: 64 chips x ~500 W plus host, network and cooling,
# roughly 40-50 kW; 45 kW is used.
TRN2_RACK_KW = 45
# Per-building power: 2,200 MW / 30 buildings = 73.3 MW, rounded down.
RAINIER_BUILDING_MW = 73
# Date each Rainier building's power is allocated (Mondays). Seven by activation,
# three more in November and December 2025 for the year-end target.
RAINIER_BUILDING_DATES = [
    date(2025, 1, 6), date(2025, 3, 3), date(2025, 5, 5), date(2025, 6, 30),
    date(2025, 8, 4), date(2025, 9, 1), date(2025, 10, 6),          # 7 at activation
    date(2025, 11, 10), date(2025, 11, 24), date(2025, 12, 8),      # year-end ramp
]
# UltraServers installed by activation and by year end.
RAINIER_RACKS_AT_ACTIVATION = 7_813     # 500,032 chips
RAINIER_RACKS_BY_YEAR_END = 15_650      # 1,001,600 chips
RAINIER_INSTALL_START = date(2025, 1, 7)
RAINIER_INSTALL_PHASE1_END = date(2025, 10, 28)   # last install day before activation
RAINIER_INSTALL_PHASE2_START = date(2025, 10, 30)
RAINIER_INSTALL_END = date(2025, 12, 30)
# Late-recorded delivery: spare chips received in September, entered in November.
LATE_DELIVERY_EFFECTIVE = date(2025, 9, 15)
LATE_DELIVERY_RECORDED = datetime(2025, 11, 5, 10, 0, tzinfo=timezone.utc)
LATE_DELIVERY_CHIPS = 100 * TRN2_CHIPS_PER_ULTRASERVER   # 6,400 spare chips
# Voided-and-corrected delivery: the batch of this Monday is first entered with
# 100 UltraServers' worth too many chips, voided the same day and re-entered.
MISKEYED_DELIVERY_WEEK = date(2025, 7, 14)
MISKEYED_EXCESS_CHIPS = 100 * TRN2_CHIPS_PER_ULTRASERVER

# Google Cloud TPU capacity (plan for 2026). No rack size or TPU power is
# published; one rack entry is a 256-chip block and draws 280 kW, i.e. about
# 1.1 kW per chip all-in, from "well over a gigawatt" for up to 1,000,000 TPUs.
TPU_BLOCK_CHIPS = 256
TPU_BLOCK_KW = 280
TPU_BLOCKS = TPU_DEAL_MAX_CHIPS // TPU_BLOCK_CHIPS          # 3,906 -> 999,936 chips
TPU_TRANCHE_MW = 275                                        # 4 x 275 = 1,100 MW
TPU_TRANCHE_DATES = [date(2026, 1, 5), date(2026, 4, 6), date(2026, 7, 6), date(2026, 10, 5)]
TPU_PLAN_END = date(2026, 12, 30)
TPU_PLAN_RECORDED = datetime(2025, 10, 24, 12, 0, tzinfo=timezone.utc)

# Azure Grace Blackwell capacity (plan for 2026). GB200 NVL72 draws about
# 120-132 kW (estimate); 130 kW is used. Only a first Grace Blackwell tranche
# of 2,500 racks (325 MW) is modelled inside the 1 GW ceiling.
AZURE_RACK_KW = 130
AZURE_RACKS = 2500
AZURE_TRANCHE_MW = 100                                      # 4 x 100 = 400 MW
AZURE_TRANCHE_DATES = [date(2026, 2, 2), date(2026, 5, 4), date(2026, 8, 3), date(2026, 11, 2)]
AZURE_PLAN_END = date(2026, 12, 30)
AZURE_PLAN_RECORDED = datetime(2025, 11, 19, 12, 0, tzinfo=timezone.utc)

# Catalog: effective dates are estimates of public availability; all catalog
# entries are recorded together, ahead of the history.
CATALOG_RECORDED = datetime(2023, 9, 1, tzinfo=timezone.utc)

OUT_DIR = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
UTC = timezone.utc


def at(d: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(d, time(hour, minute), tzinfo=UTC)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def days(start: date, end: date) -> list[date]:
    """Inclusive list of days."""
    return [start + timedelta(n) for n in range((end - start).days + 1)]


def apportion(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def monday(d: date) -> date:
    return d - timedelta(d.weekday())


@dataclass
class Event:
    recorded: datetime
    body: dict
    tag: str | None = None          # symbolic name for voids and the report
    void_of: str | None = None      # tag of the event this one voids
    order: int = field(default=0)


class History:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(self, type_: str, effective: date | datetime, recorded: datetime,
            fields: dict, source: str, note: str | None = None,
            tag: str | None = None, void_of: str | None = None) -> None:
        eff = effective.isoformat() if not isinstance(effective, datetime) else iso(effective)
        body = {"type": type_, "effective": eff, "recorded": iso(recorded)}
        body.update(fields)
        if note:
            body["note"] = note
        body["source"] = source
        self.events.append(Event(recorded, body, tag, void_of, len(self.events)))

    def ordered(self) -> list[Event]:
        # File order is recording order; ties keep insertion order.
        return sorted(self.events, key=lambda e: (e.recorded, e.order))


def dump(path: Path, bodies: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for b in bodies:
            f.write(json.dumps(b, separators=(",", ":"), ensure_ascii=True) + "\n")


# ---------------------------------------------------------------------------
# Catalog
# ---------------------------------------------------------------------------
def catalog() -> list[dict]:
    rec = iso(CATALOG_RECORDED)
    avail = "effective date is an estimate of public availability"

    def model(mid, eff, vendor, bf16, fp8, hbm, watts, source, note):
        b = {"type": "chip.model.defined", "effective": eff.isoformat(), "recorded": rec,
             "model": mid, "vendor": vendor, "bf16_tflops": bf16, "fp8_tflops": fp8,
             "hbm_gb": hbm}
        if watts is not None:
            b["watts"] = watts
        b["note"] = note
        b["source"] = source
        return b

    return [
        model("h100", date(2023, 3, 1), "NVIDIA", H100_BF16, H100_FP8, H100_HBM_GB, H100_WATTS,
              SRC_H100, f"H100 SXM; dense peak; 80 GB HBM, 3.35 TB/s; {avail}"),
        model("tpu-v6e", date(2024, 12, 1), "Google", TPU_V6E_BF16, TPU_V6E_FP8, TPU_V6E_HBM_GB, None,
              SRC_TPU_V6E, f"TPU v6e; 32 GB HBM; power not published; {avail}"),
        model("trainium2", RAINIER_ANNOUNCED, "AWS", TRN2_BF16, TRN2_FP8, TRN2_HBM_GIB, TRN2_WATTS_EST,
              SRC_TRN2,
              "96 GiB HBM, 2.9 TB/s; watts ~500 is an estimate; 16 chips per Trn2 instance, "
              "64 per Trn2 UltraServer (83.2 PF FP8 dense); effective date is an estimate, "
              "dated to the AWS re:Invent 2024 keynote (2024-12-03)"),
        model("b200", date(2025, 1, 1), "NVIDIA", B200_BF16, B200_FP8, B200_HBM_GB, B200_WATTS,
              SRC_B200, f"B200 as in GB200 (Grace Blackwell); 72 per GB200 NVL72 rack; {avail}"),
        model("tpu-v7", date(2025, 11, 1), "Google", TPU_V7_BF16, TPU_V7_FP8, TPU_V7_HBM_GIB, None,
              SRC_TPU_V7, f"TPU v7 (Ironwood); 192 GiB HBM, 7.37 TB/s; power not published; {avail}"),
        model("trainium3", date(2025, 12, 1), "AWS", TRN3_BF16, TRN3_FP8_MX, TRN3_HBM_GIB, TRN3_WATTS_REP,
              SRC_TRN3,
              "fp8 figure is MXFP8; 144 GiB HBM, 4.9 TB/s; watts ~1,000 is reported, not official; "
              f"144 chips per Trn3 UltraServer; {avail}"),
    ]


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------
def investments(h: History) -> None:
    def inv(d, investor, recipient, usd, instrument, source, note=None):
        h.add("investment.committed", d, at(d + timedelta(1), 10),
              {"investor": investor, "recipient": recipient, "usd": usd, "instrument": instrument},
              source, note)

    inv(date(2023, 9, 25), "amazon", "anthropic", 1_250_000_000,
        "investment commitment", SRC_AMAZON_2023, "first tranche of up to $4B")
    inv(date(2023, 10, 27), "google", "anthropic", 2_000_000_000,
        "investment commitment", SRC_GOOGLE_2023, "$500M upfront, $1.5B later")
    inv(MISSISSIPPI_DATE, "amazon", "rainier-ms", MISSISSIPPI_USD, "data center capex",
        SRC_MISSISSIPPI, "reported; dated 2024-01 (day estimated); Madison County; service expected 2027")
    inv(date(2024, 3, 27), "amazon", "anthropic", 2_750_000_000,
        "investment commitment", SRC_AMAZON_2024_03, "completes the $4B commitment")
    inv(RAINIER_INVESTMENT_DATE, "amazon", "rainier-in", RAINIER_INVESTMENT_USD, "data center capex",
        SRC_RAINIER_11B, "AWS announces $11B for the New Carlisle, Indiana data center campus")
    inv(date(2024, 11, 22), "amazon", "anthropic", 4_000_000_000,
        "investment commitment", SRC_AMAZON_2024_11, "brings Amazon's total to $8B")
    inv(date(2025, 1, 22), "google", "anthropic", 1_000_000_000,
        "investment commitment", SRC_GOOGLE_2025, "reported; brings Google's total to $3B")
    inv(PENNSYLVANIA_DATE, "amazon", "rainier-pa", PENNSYLVANIA_USD, "data center capex",
        SRC_PENNSYLVANIA, "reported; Salem Township and Falls Township")
    inv(AZURE_DEAL_DATE, "microsoft", "anthropic", 5_000_000_000,
        "investment commitment (up to)", SRC_MSFT_NVIDIA, "up to $5B")
    inv(AZURE_DEAL_DATE, "nvidia", "anthropic", 10_000_000_000,
        "investment commitment (up to)", SRC_MSFT_NVIDIA, "up to $10B")
    inv(INDIANA_FURTHER_DATE, "amazon", "rainier-in", INDIANA_FURTHER_USD, "data center capex",
        SRC_INDIANA_15B,
        "reported; further northern Indiana data center investment with +2.4 GW; "
        "the added power is not booked as Rainier capacity in this history")


def other_rainier_sites(h: History) -> None:
    h.add("site.opened", MISSISSIPPI_DATE, at(MISSISSIPPI_DATE + timedelta(1), 9),
          {"site": "rainier-ms", "name": "Project Rainier, Madison County, Mississippi",
           "region": "Madison County, Mississippi, US"},
          SRC_MISSISSIPPI,
          "reported Rainier site; dated 2024-01 (day estimated); service expected 2027; no chips modelled")
    h.add("site.opened", PENNSYLVANIA_DATE, at(PENNSYLVANIA_DATE + timedelta(1), 9),
          {"site": "rainier-pa", "name": "Project Rainier, Salem Township and Falls Township, Pennsylvania",
           "region": "Pennsylvania, US"},
          SRC_PENNSYLVANIA, "reported Rainier sites; no chips modelled")


def rainier_indiana(h: History) -> dict:
    site = "rainier-in"
    h.add("site.opened", RAINIER_CONSTRUCTION_START, at(RAINIER_CONSTRUCTION_START + timedelta(1), 9),
          {"site": site, "name": "Project Rainier, New Carlisle, Indiana",
           "region": "St. Joseph County, Indiana, US", "power_cap_mw": RAINIER_POWER_CAP_MW,
           "acres": RAINIER_ACRES},
          SRC_RAINIER_CAMPUS,
          "reported: construction started 2024-09 (day estimated); 30 buildings of ~200,000 sq ft "
          "planned; ~2.2 GW at full build-out (reported); ~1,200 acres (" + SRC_RAINIER_ACRES + "); "
          "project announced at the AWS re:Invent 2024 keynote on 2024-12-03")

    # Power, building by building.
    for k, d in enumerate(RAINIER_BUILDING_DATES, start=1):
        note = (f"building {k} of {RAINIER_BUILDINGS_PLANNED} powered; estimate: "
                f"{RAINIER_POWER_CAP_MW} MW / {RAINIER_BUILDINGS_PLANNED} buildings = "
                f"~{RAINIER_BUILDING_MW} MW each; date estimated")
        if k == RAINIER_BUILDINGS_AT_LAUNCH:
            note += "; 7 buildings running at activation on 2025-10-29 (reported)"
        if k > RAINIER_BUILDINGS_AT_LAUNCH:
            note += "; brought up for the >1,000,000-chip year-end expectation"
        h.add("power.allocated", d, at(d + timedelta(1), 8),
              {"site": site, "mw": RAINIER_BUILDING_MW}, SRC_RAINIER_CAMPUS, note)

    # Daily UltraServer installs: a rising curve to activation, then the
    # faster year-end ramp. No installs on activation day itself.
    p1 = days(RAINIER_INSTALL_START, RAINIER_INSTALL_PHASE1_END)
    w1 = [10 + 110 * (i / (len(p1) - 1)) ** 2.5 for i in range(len(p1))]
    p2 = days(RAINIER_INSTALL_PHASE2_START, RAINIER_INSTALL_END)
    w2 = [1 + 0.3 * i / (len(p2) - 1) for i in range(len(p2))]
    per_day = dict(zip(p1, apportion(RAINIER_RACKS_AT_ACTIVATION, w1)))
    per_day.update(zip(p2, apportion(RAINIER_RACKS_BY_YEAR_END - RAINIER_RACKS_AT_ACTIVATION, w2)))

    # Weekly deliveries (Mondays) sized to that week's installs.
    weekly: dict[date, int] = {}
    for d, n in per_day.items():
        weekly[monday(d)] = weekly.get(monday(d), 0) + n
    tags = {}
    for wk in sorted(weekly):
        qty = weekly[wk] * TRN2_CHIPS_PER_ULTRASERVER
        note = "estimate: weekly batch sized to the week's UltraServer installs"
        if wk == MISKEYED_DELIVERY_WEEK:
            wrong = qty + MISKEYED_EXCESS_CHIPS
            h.add("chips.delivered", wk, at(wk + timedelta(1), 9),
                  {"site": site, "model": "trainium2", "quantity": wrong},
                  SRC_RAINIER_CHIPS, note, tag="miskeyed")
            h.add("event.voided", wk, at(wk + timedelta(1), 16),
                  {"target": "miskeyed",
                   "reason": f"quantity keyed as {wrong:,}; the batch was {qty:,} chips "
                             f"({MISKEYED_EXCESS_CHIPS // TRN2_CHIPS_PER_ULTRASERVER} UltraServers' worth "
                             "too many); corrected delivery follows"},
                  SRC_RAINIER_CHIPS, void_of="miskeyed", tag="void")
            h.add("chips.delivered", wk, at(wk + timedelta(1), 16, 5),
                  {"site": site, "model": "trainium2", "quantity": qty},
                  SRC_RAINIER_CHIPS, note + "; corrects the voided entry of the same batch",
                  tag="corrected")
        else:
            h.add("chips.delivered", wk, at(wk + timedelta(1), 9),
                  {"site": site, "model": "trainium2", "quantity": qty}, SRC_RAINIER_CHIPS, note)

    # Late-recorded spare chips.
    h.add("chips.delivered", LATE_DELIVERY_EFFECTIVE, LATE_DELIVERY_RECORDED,
          {"site": site, "model": "trainium2", "quantity": LATE_DELIVERY_CHIPS},
          SRC_RAINIER_CHIPS,
          "recorded late: spare chips received 2025-09-15, entered 2025-11-05; "
          "held as spares, not installed; quantity is an estimate", tag="late")

    # Racks, one Trn2 UltraServer each. Installs on Saturday and Sunday are
    # recorded on Monday evening; others the evening after.
    n = 0
    for d in sorted(per_day):
        rec_day = d + timedelta(1) if d.weekday() < 5 else d + timedelta(7 - d.weekday())
        for _ in range(per_day[d]):
            n += 1
            note = None   # routine installs: the first rack's note explains the estimate
            if n == 1:
                note = (f"estimate: Trn2 UltraServer of {TRN2_CHIPS_PER_ULTRASERVER} Trainium2 chips; "
                        f"{TRN2_RACK_KW} kW = 64 x ~500 W plus host, network and cooling (40-50 kW); "
                        "install dates estimated")
            elif n == RAINIER_RACKS_AT_ACTIVATION:
                note = (f"estimate: {n:,} UltraServers = {n * TRN2_CHIPS_PER_ULTRASERVER:,} Trainium2 chips "
                        "energized for activation on 2025-10-29 (~500,000 reported)")
            elif n == RAINIER_RACKS_BY_YEAR_END:
                note = (f"estimate: {n:,} UltraServers = {n * TRN2_CHIPS_PER_ULTRASERVER:,} Trainium2 chips, "
                        "meeting the >1,000,000 expected by the end of 2025")
            h.add("rack.installed", d, at(rec_day, 18),
                  {"site": site, "rack": f"r-{n:05d}", "model": "trainium2",
                   "chips": TRN2_CHIPS_PER_ULTRASERVER, "kw": TRN2_RACK_KW},
                  SRC_RAINIER_CHIPS, note)
    assert n == RAINIER_RACKS_BY_YEAR_END
    return per_day


def plan_site(h: History, *, site, name, opened, open_note, cap, source, recorded, model,
              unit_chips, unit_kw, units, tranche_dates, tranche_mw, end, rack_prefix,
              unit_note, alloc_note, delivery_note) -> None:
    """Future-dated capacity recorded when the deal is announced."""
    fields = {"site": site, "name": name}
    if cap is not None:
        fields["power_cap_mw"] = cap
    h.add("site.opened", opened, at(opened + timedelta(1), 9), fields, source, open_note)

    # Units per tranche, spread evenly over the days from the day after each
    # allocation up to the next allocation (or the plan end).
    per_tranche = apportion(units, [1] * len(tranche_dates))
    bounds = tranche_dates[1:] + [end + timedelta(1)]
    per_day: dict[date, int] = {}
    for start, stop, k in zip(tranche_dates, bounds, per_tranche):
        ds = days(start + timedelta(1), stop - timedelta(1))
        per_day.update(zip(ds, apportion(k, [1] * len(ds))))

    monthly: dict[date, int] = {}
    for d, k in per_day.items():
        m = d.replace(day=1)
        monthly[m] = monthly.get(m, 0) + k

    # One plan, recorded at once, in effective order: allocation, delivery, units.
    items = []
    for d in tranche_dates:
        items.append((d, 0, "power.allocated", {"site": site, "mw": tranche_mw}, alloc_note))
    for m, k in monthly.items():
        items.append((m, 1, "chips.delivered",
                      {"site": site, "model": model, "quantity": k * unit_chips}, delivery_note))
    n = 0
    for d in sorted(per_day):
        for _ in range(per_day[d]):
            n += 1
            items.append((d, 2, "rack.installed",
                          {"site": site, "rack": f"{rack_prefix}-{n:04d}", "model": model,
                           "chips": unit_chips, "kw": unit_kw},
                          unit_note if n == 1 else "plan"))
    for d, _, type_, f, note in sorted(items, key=lambda x: (x[0], x[1])):
        h.add(type_, d, recorded, f, source, note)


def gcp_tpu(h: History) -> None:
    plan_site(
        h, site="gcp-tpu", name="Google Cloud TPU capacity for Anthropic", opened=TPU_DEAL_DATE,
        open_note=("Anthropic-Google Cloud TPU deal: up to 1,000,000 TPUs, well over a gigawatt "
                   "coming online in 2026, worth tens of billions of dollars; no site, region or "
                   "power cap published"),
        cap=None, source=SRC_GOOGLE_TPU_DEAL, recorded=TPU_PLAN_RECORDED, model="tpu-v7",
        unit_chips=TPU_BLOCK_CHIPS, unit_kw=TPU_BLOCK_KW, units=TPU_BLOCKS,
        tranche_dates=TPU_TRANCHE_DATES, tranche_mw=TPU_TRANCHE_MW, end=TPU_PLAN_END,
        rack_prefix="t",
        unit_note=(f"plan, estimate: each entry is a block of {TPU_BLOCK_CHIPS} TPU v7 chips drawing "
                   f"{TPU_BLOCK_KW} kW (~1.1 kW per chip all-in, from well over 1 GW for up to "
                   f"1,000,000 TPUs); {TPU_BLOCKS:,} blocks = {TPU_BLOCKS * TPU_BLOCK_CHIPS:,} chips; "
                   "generation and 2026 schedule estimated"),
        alloc_note=(f"plan, estimate: quarterly tranche of {TPU_TRANCHE_MW} MW; "
                    f"4 tranches = {4 * TPU_TRANCHE_MW:,} MW (well over a gigawatt in 2026)"),
        delivery_note="plan, estimate: monthly TPU v7 batch sized to that month's installs")


def azure_gb(h: History) -> None:
    plan_site(
        h, site="azure-gb", name="Microsoft Azure Grace Blackwell capacity for Anthropic",
        opened=AZURE_DEAL_DATE,
        open_note=("Anthropic-Microsoft Azure deal: $30B of Azure compute, up to 1 GW "
                   "(Grace Blackwell and Vera Rubin systems); power cap is the 1 GW ceiling; "
                   "no site or region published"),
        cap=AZURE_DEAL_MAX_MW, source=SRC_AZURE_DEAL, recorded=AZURE_PLAN_RECORDED, model="b200",
        unit_chips=GB200_NVL72_GPUS, unit_kw=AZURE_RACK_KW, units=AZURE_RACKS,
        tranche_dates=AZURE_TRANCHE_DATES, tranche_mw=AZURE_TRANCHE_MW, end=AZURE_PLAN_END,
        rack_prefix="g",
        unit_note=(f"plan, estimate: GB200 NVL72 rack of {GB200_NVL72_GPUS} B200 GPUs at "
                   f"{AZURE_RACK_KW} kW (120-132 kW estimated); first Grace Blackwell tranche of "
                   f"{AZURE_RACKS:,} racks; 2026 schedule estimated"),
        alloc_note=(f"plan, estimate: quarterly tranche of {AZURE_TRANCHE_MW} MW for Grace Blackwell "
                    "racks; the rest of the 1 GW (incl. Vera Rubin) is not modelled"),
        delivery_note="plan, estimate: monthly B200 batch sized to that month's installs")


def check_power_headroom(per_day: dict[date, int]) -> None:
    """Every Rainier UltraServer must be energized the day it is installed."""
    cum = 0
    for d in sorted(per_day):
        cum += per_day[d]
        buildings = sum(1 for b in RAINIER_BUILDING_DATES if b <= d)
        assert cum * TRN2_RACK_KW <= buildings * RAINIER_BUILDING_MW * 1000, (d, cum, buildings)
    assert sum(1 for b in RAINIER_BUILDING_DATES if b <= RAINIER_ACTIVATION) == RAINIER_BUILDINGS_AT_LAUNCH
    assert len(RAINIER_BUILDING_DATES) * RAINIER_BUILDING_MW <= RAINIER_POWER_CAP_MW


def main() -> None:
    cat = catalog()
    h = History()
    investments(h)
    other_rainier_sites(h)
    per_day = rainier_indiana(h)
    check_power_headroom(per_day)
    gcp_tpu(h)
    azure_gb(h)

    events = h.ordered()
    seq_of = {}
    for i, e in enumerate(events):
        if e.tag:
            seq_of[e.tag] = len(cat) + i + 1
    for e in events:
        if e.void_of:
            e.body["target"] = seq_of[e.void_of]

    dump(OUT_DIR / "catalog.jsonl", cat)
    dump(OUT_DIR / "rainier.jsonl", [e.body for e in events])
    print(f"catalog.jsonl: {len(cat)} events; rainier.jsonl: {len(events)} events")
    for tag in ("miskeyed", "void", "corrected", "late"):
        print(f"  {tag}: seq {seq_of[tag]}")


if __name__ == "__main__":
    main()
