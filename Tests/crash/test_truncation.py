"""Truncation at every byte of a batch.

A ledger is cut at every byte offset from the end of the commit before a batch to the end of the
batch, as a crash during the batch's write can leave it. At every cut:

- `capacity verify` exits 0 and shows exactly the events before the batch (their count and the
  chain's head), with the bytes after the last commit reported as an ignored tail;
- the next `capacity append` cuts that tail, says how many bytes it removed, and succeeds at the
  seq after the events before the batch; the file is then byte for byte the file an append to the
  ledger before the batch gives (every event carries a fixed `recorded` time, so the same events
  give the same bytes). The appended event uses strings the torn batch introduced first, so a
  string table entry of the torn batch that was kept would show up as different bytes;
- a cut exactly at the end of the batch keeps the whole batch.

The cuts run at every byte of a batch of a few dozen events of every type; on the first batch of a
new file (header included) at every byte of the header and the first record, and every 11th
byte after; and around the chain mark and the commit of a batch of 1,100 events. With
CRASH_THOROUGH=1 (`make crash`) the new file is cut at every byte, and the large batch at every
byte of its first KiB, of a KiB around its chain mark and of its last 512 bytes, and every 17th
byte in between.
"""
import concurrent.futures
import json
import os
import shutil

import pytest

import ledgerkit as lk

RECORDED = "2025-06-01T00:00:00Z"
THOROUGH = os.environ.get("CRASH_THOROUGH", "") not in ("", "0")
BATCH = 24


def line(type_, effective="2025-02-01", **fields):
    e = {"type": type_, "effective": effective, "recorded": RECORDED}
    e.update(fields)
    return json.dumps(e)


BASE = [
    line("site.opened", effective="2025-01-01", site="rainier", name="Project Rainier", power_cap_mw=100),
    line("chip.model.defined", effective="2025-01-01", model="trn2", vendor="AWS", bf16_tflops=667, fp8_tflops=1299),
    line("chips.delivered", site="rainier", model="trn2", quantity=6400),
    line("power.allocated", site="rainier", mw=10),
]
BASE_WORDS = [
    ["investment.committed", "investor=amazon", "recipient=anthropic", "usd=4000000000", "effective=2025-01-05", f"recorded={RECORDED}"],
    ["rack.installed", "site=rainier", "rack=r-0000", "model=trn2", "chips=64", "kw=45.5", "effective=2025-02-02", f"recorded={RECORDED}"],
]


def batch_lines():
    """24 events of every type, introducing new strings (a site, a model, an investor, notes)."""
    out = [
        line("site.opened", effective="2025-01-10", site="kiln-2", name="Kiln Two", region="Oregon, US", acres=40.5),
        line("chip.model.defined", effective="2025-01-10", model="tpu-x", vendor="Google", bf16_tflops=918, fp8_tflops=918, hbm_gb=32),
        line("chips.delivered", site="kiln-2", model="tpu-x", quantity=1024, note="first tranche\tof two\nsecond line"),
    ]
    for i in range(1, 9):
        out.append(line("rack.installed", effective="2025-02-03", site="rainier", rack=f"r-{i:04d}", model="trn2", chips=64, kw=45.5))
    out.append(line("rack.retired", effective="2025-03-01", site="rainier", rack="r-0001"))
    out.append(line("power.allocated", effective="2025-02-10", site="rainier", mw=20))
    out.append(line("power.released", effective="2025-03-10", site="rainier", mw=5))
    for i in range(9):
        out.append(line("investment.committed", effective="2025-02-15", investor="zeta-capital", recipient="kiln-2",
                        usd=1_000_000 + i, instrument="equity"))
    out.append(line("event.voided", effective="2025-02-20", target=5, reason="entered twice"))
    assert len(out) == BATCH
    return out


# The append after a cut: every string it uses first appeared in the batch that was cut off.
FOLLOW = ["investment.committed", "investor=zeta-capital", "recipient=kiln-2", "usd=77", "instrument=equity",
          "effective=2025-02-16", f"recorded={RECORDED}"]


def write_lines(path, lines):
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def must(p, what):
    assert p.returncode == 0, f"{what} failed with exit {p.returncode}: {p.stderr.strip()}"
    return p


def state(ledger):
    p, report = lk.verify(ledger)
    must(p, f"verify {ledger}")
    return report


def sweep(tmp_path, full_bytes, before, after, offsets, follow_ref, follow_full, new_file=False):
    """Cuts a copy of `full_bytes` at each offset and checks verify and the next append.

    `before` and `after` are the verify reports without and with the batch; `follow_ref` and
    `follow_full` are the files an append gives after the events before the batch and after the
    whole batch. For the first batch of a `new_file`, the committed data before it is the 32-byte
    header (a cut inside it leaves no ledger yet, which the next append writes anew), and the
    header, which holds the file's creation time, is not compared. Returns the number of cuts."""
    start = 32 if new_file else before["bytes"]
    compare_from = 32 if new_file else 0
    end = len(full_bytes)

    def one(offset):
        work = str(tmp_path / f"cut-{offset}.ledger")
        with open(work, "wb") as f:
            f.write(full_bytes[:offset])
        p, report = lk.verify(work)
        assert p.returncode == 0 and report and report["ok"], \
            f"cut at {offset}: verify failed with exit {p.returncode}: {p.stderr.strip()}"
        want = after if offset == end else before
        assert (report["events"], report["head"]) == (want["events"], want["head"]), \
            f"cut at {offset}: verify shows {report['events']} events, head {report['head'][:12]}…; " \
            f"expected {want['events']}, head {want['head'][:12]}…"
        torn = 0 if offset == end else offset if offset < start else offset - start
        assert report.get("ignored_tail_bytes", 0) == torn, f"cut at {offset}: verify reports {report} (tail {torn})"
        if offset == 0:
            assert lk.export(work) == [], "an empty file exports no events"
        p = lk.run(["append"] + FOLLOW, ledger=work)
        assert p.returncode == 0, f"cut at {offset}: the next append failed with exit {p.returncode}: {p.stderr.strip()}"
        assert lk.acknowledged(p.stdout) == [(want["events"] + 1, "investment.committed")], \
            f"cut at {offset}: the next append printed {p.stdout!r}"
        cut = lk.TORN_CUT.search(p.stderr)
        if offset < start:
            assert not p.stderr.strip(), f"cut at {offset} inside the header: the append said {p.stderr.strip()!r}"
        elif torn:
            assert cut and lk.count(cut.group(1)) == torn, f"cut at {offset}: the append said {p.stderr.strip()!r}"
        else:
            assert not cut, f"cut at {offset}: the append cut a tail that was not there: {p.stderr.strip()}"
        with open(work, "rb") as f:
            got = f.read()
        ref = follow_full if offset == end else follow_ref
        assert len(got) == len(ref) and got[compare_from:] == ref[compare_from:], \
            f"cut at {offset}: after the next append the file differs from an append without the batch " \
            f"({len(got)} bytes, expected {len(ref)})"
        os.unlink(work)
        return offset

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        done = list(pool.map(one, offsets))
    return len(done)


def copy_and_follow(src, dst):
    if src is None:
        if os.path.exists(dst):
            os.unlink(dst)
    else:
        shutil.copyfile(src, dst)
    must(lk.run(["append"] + FOLLOW, ledger=dst), "the reference append")
    with open(dst, "rb") as f:
        return f.read()


def build_base(tmp_path):
    base = str(tmp_path / "base.ledger")
    write_lines(tmp_path / "base.jsonl", BASE)
    must(lk.run(["import", str(tmp_path / "base.jsonl")], ledger=base), "import base")
    for w in BASE_WORDS:
        must(lk.run(["append"] + w, ledger=base), "append base")
    return base


def test_every_byte_of_a_batch(tmp_path, figures):
    base = build_base(tmp_path)
    before = state(base)
    full = str(tmp_path / "full.ledger")
    shutil.copyfile(base, full)
    write_lines(tmp_path / "batch.jsonl", batch_lines())
    p = must(lk.run(["import", "--verbose", str(tmp_path / "batch.jsonl")], ledger=full), "import batch")
    assert len(lk.acknowledged(p.stdout)) == BATCH
    after = state(full)
    assert after["events"] == before["events"] + BATCH
    follow_ref = copy_and_follow(base, str(tmp_path / "ref.ledger"))
    assert state(str(tmp_path / "ref.ledger"))["events"] == before["events"] + 1
    follow_full = copy_and_follow(full, str(tmp_path / "ref-full.ledger"))
    with open(full, "rb") as f:
        full_bytes = f.read()
    offsets = range(before["bytes"], after["bytes"] + 1)
    n = sweep(tmp_path, full_bytes, before, after, offsets, follow_ref, follow_full)
    assert n == after["bytes"] - before["bytes"] + 1
    figures.append(f"truncation: {n} cuts of a {after['bytes'] - before['bytes']}-byte batch of {BATCH} events "
                   f"(every byte), each verified and followed by an append")


def test_every_byte_of_a_new_file(tmp_path, figures):
    """The first batch, header included: a file cut inside its header holds no events."""
    one = str(tmp_path / "first.ledger")
    write_lines(tmp_path / "base.jsonl", BASE)
    must(lk.run(["import", str(tmp_path / "base.jsonl")], ledger=one), "import base")
    after = state(one)
    empty = {"events": 0, "head": "0" * 64}
    with open(one, "rb") as f:
        full_bytes = f.read()
    follow_ref = copy_and_follow(None, str(tmp_path / "ref.ledger"))
    follow_full = copy_and_follow(one, str(tmp_path / "ref-full.ledger"))
    end = after["bytes"]
    offsets = range(0, end + 1) if THOROUGH else sorted(set(range(0, 128)) | set(range(128, end, 11)) | {end - 1, end})
    n = sweep(tmp_path, full_bytes, empty, after, offsets, follow_ref, follow_full, new_file=True)
    assert n == len(offsets)
    figures.append(f"truncation: {n} cuts of a new {end}-byte file (header and first batch of {len(BASE)} events)")


def test_around_the_chain_mark_and_commit_of_a_large_batch(tmp_path, figures):
    """1,100 events: a chain mark after the 1,024th record does not commit anything."""
    base = build_base(tmp_path)
    before = state(base)
    full = str(tmp_path / "full.ledger")
    shutil.copyfile(base, full)
    lines = [line("investment.committed", investor="zeta-capital", recipient="kiln-2", usd=5_000_000 + i) for i in range(1100)]
    write_lines(tmp_path / "batch.jsonl", lines)
    must(lk.run(["import", "--quiet", str(tmp_path / "batch.jsonl")], ledger=full), "import batch")
    after = state(full)
    with open(full, "rb") as f:
        full_bytes = f.read()
    # The chain mark: a frame of 34-42 bytes whose payload starts with 0x41, inside the batch.
    mark = None
    for at in range(before["bytes"], after["bytes"] - 40):
        n = full_bytes[at]
        if 34 <= n <= 42 and full_bytes[at + 5] == 0x41 and at + 5 + n <= after["bytes"]:
            mark = at
            break
    assert mark is not None, "no chain mark found in a batch of 1,100 records"
    if THOROUGH:
        offsets = set(range(before["bytes"], before["bytes"] + 1024)) | set(range(mark - 512, mark + 512))
        offsets |= set(range(after["bytes"] - 512, after["bytes"] + 1)) | set(range(before["bytes"], after["bytes"], 17))
    else:
        offsets = set(range(mark - 24, mark + 64))                        # the record before, the mark, the record after
        offsets |= set(range(after["bytes"] - 40, after["bytes"] + 1))    # the commit
        offsets |= set(range(before["bytes"], after["bytes"], 1999))      # and a stride through the rest
    follow_ref = copy_and_follow(base, str(tmp_path / "ref.ledger"))
    follow_full = copy_and_follow(full, str(tmp_path / "ref-full.ledger"))
    n = sweep(tmp_path, full_bytes, before, after, sorted(offsets), follow_ref, follow_full)
    assert n == len(offsets)
    figures.append(f"truncation: {n} cuts of a {after['bytes'] - before['bytes']}-byte batch of 1,100 events "
                   f"around its chain mark (byte {mark}) and its commit")


def test_zeros_from_a_page_boundary_inside_a_frame(tmp_path):
    """A crash can leave a file extended to its new size with a page of it never written: the
    batch's bytes up to a page boundary, then zeros to the end. No commit follows, so nothing of
    it was acknowledged; readers should ignore it as a torn tail and the next append cut it."""
    base = build_base(tmp_path)
    before = state(base)
    full = str(tmp_path / "full.ledger")
    shutil.copyfile(base, full)
    write_lines(tmp_path / "batch.jsonl", [line("investment.committed", investor="zeta-capital", recipient="kiln-2",
                                                usd=7_000_000 + i) for i in range(600)])
    must(lk.run(["import", "--quiet", str(tmp_path / "batch.jsonl")], ledger=full), "import batch")
    with open(full, "rb") as f:
        data = f.read()
    starts = set(lk.frame_starts(data, before["bytes"]))
    page = next(p for p in range(4096, len(data), 4096) if p > before["bytes"] and p not in starts)
    with open(full, "wb") as f:
        f.write(data[:page] + bytes(len(data) - page))
    p, report = lk.verify(full)
    assert p.returncode == 0, f"zeros from byte {page} (inside a frame) to the end: {p.stderr.strip()}"
    assert (report["events"], report["head"]) == (before["events"], before["head"])
