#!/usr/bin/env python3
"""The kill -9 loop: nothing acknowledged is ever lost.

Writers append batches of 1 to 5,000 events (`capacity append TYPE k=v`, `append --file`,
`append -`, `import FILE`, `import -`), one at a time or two or three at once, and are sent
SIGKILL at a random moment. Every event is an investment whose usd is a unique marker. A writer
that printed its `#SEQ` lines and exited 0 acknowledged its events; a killed writer's events may
or may not be in the ledger. After every round:

- `capacity verify` exits 0 (a warning about a torn tail is fine);
- the export holds seqs 1..N without a gap, no marker twice and no marker that was never sent;
- every acknowledged event is there exactly once, at the seq its writer printed;
- every batch, acknowledged or not, is there whole (at consecutive seqs, in order) or not at all,
  and a killed writer that printed any `#SEQ` line had committed and synced its whole batch;
- a batch once seen stays, one not seen never appears later;
- the next `capacity append` succeeds at seq N + 1, and cuts exactly the tail verify reported.

Some writers run with CAPACITY_CHECKPOINT_MIN_EVENTS=1, so that they write the checkpoint
beside the ledger after their batch and are sometimes killed while doing so (verify then also
rebuilds the checkpoint and compares it with the log).

Kills are aimed at random delays (1 µs to 1 ms, 1 to 50 ms, or around the end of the writer's
expected run, measured first and learnt as it goes) or right after the writer's write reached
the file (the file grew), between its write and its fsync or output.

A kill -9 does not lose what the process already wrote, so a torn tail needs the kill to land
inside the kernel's copy of a write. To also check torn tails as a machine crash leaves them, a
round in which every writer was killed before printing anything is sometimes followed by a
simulated power cut: the file is cut at a random byte after the end of the last acknowledged
append (the bytes a crash may lose, as nothing after them was synced and acknowledged), or cut
at the start of a frame there with zero bytes after it, as some file systems leave them.

Usage: crash_loop.py [--kills N] [--seed S] [--dir DIR]   (CRASH_KILLS=N sets the default)
"""
import argparse
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ledgerkit as lk  # noqa: E402

MAX_BATCH = 5000


class Batch:
    """One writer's events, and what became of them."""

    def __init__(self, markers, how):
        self.markers = markers
        self.how = how
        self.acked = False      # exited 0 after printing a #SEQ line per event
        self.printed = []       # the (seq, type) lines it printed, even if killed afterwards
        self.killed = False
        self.present = None     # after the first check: True (whole) or False (absent)


class Writer:
    def __init__(self, loop, batch, args, stdin_path, extra_env):
        self.batch = batch
        self.size = len(batch.markers)
        self.stdin_file = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        self.proc = subprocess.Popen([lk.BINARY] + args + ["--ledger", loop.ledger], stdin=self.stdin_file,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=lk.env(**extra_env))
        self.started = time.monotonic()
        self.kill_at = None
        self.watch = None
        self.duration = None

    def finish(self):
        out, err = self.proc.communicate(timeout=300)
        self.duration = time.monotonic() - self.started
        if self.stdin_file is not subprocess.DEVNULL:
            self.stdin_file.close()
        return out.decode(), err.decode()


class Loop:
    def __init__(self, workdir, seed, max_events=10000, power_cuts=0.5, log=print):
        self.dir = workdir
        self.rng = random.Random(seed)
        self.seed = seed
        self.max_events = max_events
        self.power_cut_chance = power_cuts
        self.log = log
        self.next_marker = 1_000
        self.generation = 0
        # Figures for the summary.
        self.kills = 0
        self.rounds = 0
        self.concurrent_rounds = 0
        self.writers = 0
        self.acked_events = 0           # distinct acknowledged events, over all ledgers
        self.event_checks = 0           # acknowledged events checked, summed over every check
        self.killed_whole = 0           # killed writers whose batch was committed whole
        self.killed_absent = 0          # killed writers whose batch was not there at all
        self.killed_printed = 0         # killed after printing #SEQ lines (must be in)
        self.torn_seen = 0              # verify reported an ignored tail
        self.torn_seen_after_kill = 0   # ... with no simulated power cut before it
        self.torn_cut = 0               # the next append removed it
        self.power_cuts = 0
        self.checkpoint_writers = 0
        self.aims = Counter()
        # Estimated seconds for a writer: base + per event, measured first, then learnt from
        # writers that finished.
        self.base = 0.02
        self.per_event = 50e-6
        self.calibrate()
        self.new_ledger()

    def new_ledger(self):
        self.generation += 1
        self.ledger = os.path.join(self.dir, f"gen{self.generation}.ledger")
        self.batches = []
        self.acked = {}           # marker -> seq printed by its writer
        self.issued = set()
        self.settled = 0          # bytes up to the end of the last acknowledged append
        self.events = 0

    def marker(self):
        self.next_marker += 1
        self.issued.add(self.next_marker)
        return self.next_marker

    # --- writers --------------------------------------------------------------------------

    def batch_size(self):
        if self.rng.random() < 0.35:
            return 1
        return max(1, min(MAX_BATCH, int(math.exp(self.rng.uniform(0, math.log(MAX_BATCH))))))

    def start_writer(self, index):
        n = self.batch_size()
        markers = [self.marker() for _ in range(n)]
        investor = f"w{self.rounds % 97}-{index}"
        extra = {}
        if self.rng.random() < 0.2:
            extra["CAPACITY_CHECKPOINT_MIN_EVENTS"] = 1
            self.checkpoint_writers += 1
        if n == 1 and self.rng.random() < 0.5:
            batch = Batch(markers, "append TYPE k=v")
            self.batches.append(batch)
            return Writer(self, batch, ["append"] + lk.marker_words(markers[0], investor=investor), None, extra)
        path = os.path.join(self.dir, f"batch-{index}.jsonl")
        with open(path, "w") as f:
            for m in markers:
                f.write(lk.marker_line(m, investor=investor) + "\n")
        how = self.rng.choice(["import FILE", "append --file FILE", "append -", "import -"])
        # --verbose: a batch then prints '#SEQ TYPE' for each event, which the checks read.
        args = {"import FILE": ["import", "--verbose", path], "append --file FILE": ["append", "--verbose", "--file", path],
                "append -": ["append", "--verbose", "-"], "import -": ["import", "--verbose", "-"]}[how]
        batch = Batch(markers, how)
        self.batches.append(batch)
        return Writer(self, batch, args, path if how.endswith("-") else None, extra)

    def aim(self, w):
        """When to kill `w`: a delay in seconds (`kill_at`), or as soon as the file grows (`watch`)."""
        r = self.rng.random()
        if r < 0.25:
            # Right after its write reached the file: between the write and the fsync or the output.
            w.watch = self.size()
            self.aims["on write"] += 1
            return
        if r < 0.45:
            delay = 10 ** self.rng.uniform(-6, -3)                 # 1 µs to 1 ms: while starting
            self.aims["1 µs-1 ms"] += 1
        elif r < 0.72:
            delay = 10 ** self.rng.uniform(-3, math.log10(0.05))   # 1 to 50 ms
            self.aims["1-50 ms"] += 1
        else:
            # Around the end of the writer's expected run: its write, fsync and output.
            delay = self.rng.uniform(0.3, 1.15) * (self.base + self.per_event * w.size)
            self.aims["near the end"] += 1
        w.kill_at = w.started + delay

    def size(self):
        try:
            return os.path.getsize(self.ledger)
        except OSError:
            return -1

    def learn(self, w):
        if w.size == 1:
            self.base = 0.8 * self.base + 0.2 * w.duration
        elif w.size >= 100:
            self.per_event = 0.8 * self.per_event + 0.2 * max(1e-6, (w.duration - self.base) / w.size)

    def calibrate(self):
        """Times a writer of one event and one of 2,000, not killed, on a scratch ledger."""
        scratch = os.path.join(self.dir, "calibrate.ledger")
        path = os.path.join(self.dir, "calibrate.jsonl")
        with open(path, "w") as f:
            for i in range(2000):
                f.write(lk.marker_line(i + 1) + "\n")
        for _ in range(2):
            t = time.monotonic()
            lk.run(["append"] + lk.marker_words(1), ledger=scratch)
            self.base = time.monotonic() - t
        t = time.monotonic()
        lk.run(["import", path], ledger=scratch)
        self.per_event = max(1e-6, (time.monotonic() - t - self.base) / 2000)
        os.unlink(scratch)
        os.unlink(path)

    # --- one round ------------------------------------------------------------------------

    def round(self):
        self.rounds += 1
        count = 1 if self.rng.random() < 0.7 else self.rng.randint(2, 3)
        if count > 1:
            self.concurrent_rounds += 1
        writers = [self.start_writer(i) for i in range(count)]
        self.writers += count
        victims = writers if count == 1 else [w for w in writers if self.rng.random() < 0.6] or [self.rng.choice(writers)]
        for w in victims:
            self.aim(w)
        pending = list(victims)
        while pending:
            now = time.monotonic()
            grown = self.size() if any(w.watch is not None for w in pending) else None
            for w in list(pending):
                if w.proc.poll() is not None:
                    pending.remove(w)
                elif (w.kill_at is not None and now >= w.kill_at) or (w.watch is not None and grown > w.watch):
                    try:
                        os.kill(w.proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    pending.remove(w)
            if pending:
                if all(w.watch is None for w in pending):
                    time.sleep(max(0, min(w.kill_at for w in pending) - time.monotonic()))
                else:
                    time.sleep(0.00005)
        killed_silent = True
        for w in writers:
            out, err = w.finish()
            b = w.batch
            b.printed = lk.acknowledged(out)
            if w.proc.returncode == -signal.SIGKILL:
                b.killed = True
                self.kills += 1
                if b.printed:
                    killed_silent = False
                    self.killed_printed += 1
            elif w.proc.returncode == 0:
                killed_silent = False
                seqs = [s for s, _ in b.printed]
                if len(seqs) != len(b.markers) or seqs != list(range(seqs[0], seqs[0] + len(seqs))):
                    raise AssertionError(f"writer ({b.how}, {len(b.markers)} events) exited 0 but printed {len(seqs)} "
                                         f"#SEQ lines: {out[:300]!r}")
                b.acked = True
                for m, s in zip(b.markers, seqs):
                    self.acked[m] = s
                self.acked_events += len(b.markers)
                self.learn(w)
            else:
                raise AssertionError(f"writer ({b.how}, {len(b.markers)} events) failed with exit {w.proc.returncode}: "
                                     f"{err.strip()[:500]}")
        cut = None
        if killed_silent and self.rng.random() < self.power_cut_chance:
            cut = self.power_cut()
        tail = self.check(cut)
        self.append_next(tail)
        if self.events > self.max_events:
            self.new_ledger()

    def power_cut(self):
        """Cuts the file at a random byte after the last acknowledged append; sometimes adds zeros."""
        if not os.path.exists(self.ledger):
            return None
        size = os.path.getsize(self.ledger)
        if size <= self.settled:
            return None
        zeros = 0
        if size > 32 and self.rng.random() < 0.3:
            # The write reached the file up to a frame's start and zeros stand where the rest
            # never landed (the case docs/log-format.md describes; zeros that begin inside a
            # frame are reported as damage, see test_truncation.py).
            with open(self.ledger, "rb") as f:
                data = f.read()
            at = self.rng.choice(lk.frame_starts(data, max(self.settled, 32)))
            zeros = self.rng.randint(1, 4096)
        else:
            at = self.rng.randint(self.settled, size)
        with open(self.ledger, "r+b") as f:
            f.truncate(at)
            if zeros:
                f.truncate(at + zeros)
        self.power_cuts += 1
        return (at, zeros, size)

    def check(self, cut):
        """Checks the ledger after a round; returns the torn tail verify reported (bytes, or 0)."""
        where = f"round {self.rounds} (seed {self.seed}, {self.ledger})"
        if not os.path.exists(self.ledger):
            # Every writer was killed before it created the file: nothing can have been acknowledged.
            assert not self.acked, f"{where}: the ledger is gone but {len(self.acked)} events were acknowledged"
            for b in self.batches:
                if b.present is None:
                    assert not b.printed, f"{where}: a writer printed #SEQ lines but there is no ledger"
                    b.present = False
                    self.killed_absent += 1
            return 0
        p, report = lk.verify(self.ledger)
        assert p.returncode == 0 and report and report["ok"], \
            f"{where}: verify failed with exit {p.returncode} after {cut or 'a kill'}: {p.stderr.strip()} {p.stdout.strip()}"
        tail = report.get("ignored_tail_bytes", 0)
        if tail:
            self.torn_seen += 1
            if cut is None:
                self.torn_seen_after_kill += 1
        events = lk.export(self.ledger)
        assert report["events"] == len(events), f"{where}: verify counts {report['events']} events, export {len(events)}"
        seqs = [e["seq"] for e in events]
        assert seqs == list(range(1, len(events) + 1)), f"{where}: seqs are not 1..{len(events)} without gaps"
        at = {}
        for e in events:
            m = e["usd"]
            assert m in self.issued, f"{where}: seq {e['seq']} holds usd {m}, which no writer sent"
            assert m not in at, f"{where}: marker {m} is in the ledger twice (seqs {at[m]} and {e['seq']})"
            at[m] = e["seq"]
        for m, s in self.acked.items():
            assert m in at, f"{where}: acknowledged event {m} (#{s}) is missing"
            assert at[m] == s, f"{where}: acknowledged event {m} was printed as #{s} but is at seq {at[m]}"
        self.event_checks += len(self.acked)
        for b in self.batches:
            inside = [m in at for m in b.markers]
            whole = all(inside)
            assert whole or not any(inside), \
                f"{where}: batch of {len(b.markers)} ({b.how}) is partly in the ledger: {sum(inside)} events of it"
            if whole:
                first = at[b.markers[0]]
                assert [at[m] for m in b.markers] == list(range(first, first + len(b.markers))), \
                    f"{where}: batch ({b.how}) is not at consecutive seqs"
                if b.printed:
                    assert [s for s, _ in b.printed] == [at[m] for m in b.markers[:len(b.printed)]], \
                        f"{where}: a writer printed seqs other than where its events are"
            if b.printed:
                assert whole, f"{where}: a killed writer printed {len(b.printed)} #SEQ lines, but its batch is not in"
            if b.present is None:
                b.present = whole
                if b.killed:
                    if whole:
                        self.killed_whole += 1
                    else:
                        self.killed_absent += 1
            else:
                assert b.present == whole, \
                    f"{where}: a batch ({b.how}) {'vanished' if b.present else 'appeared'} after an earlier check"
        self.events = len(events)
        return tail

    def append_next(self, tail):
        """The next append must succeed at seq N + 1 and cut exactly the tail verify reported."""
        where = f"round {self.rounds} (seed {self.seed}, {self.ledger})"
        m = self.marker()
        p = lk.run(["append"] + lk.marker_words(m, investor="next"), ledger=self.ledger)
        assert p.returncode == 0, f"{where}: the append after the kill failed with exit {p.returncode}: {p.stderr.strip()}"
        acks = lk.acknowledged(p.stdout)
        assert acks == [(self.events + 1, "investment.committed")], f"{where}: the next append printed {p.stdout!r}"
        cut = lk.TORN_CUT.search(p.stderr)
        if tail:
            assert cut and lk.count(cut.group(1)) == tail, \
                f"{where}: verify reported a torn tail of {tail} bytes; the next append said {p.stderr.strip()!r}"
            self.torn_cut += 1
        else:
            assert not cut, f"{where}: the next append cut a tail verify did not report: {p.stderr.strip()}"
        b = Batch([m], "next append")
        b.acked, b.printed, b.present = True, acks, True
        self.batches.append(b)
        self.acked[m] = self.events + 1
        self.acked_events += 1
        self.events += 1
        self.settled = os.path.getsize(self.ledger)

    def summary(self, seconds):
        aims = ", ".join(f"{k} {v}" for k, v in sorted(self.aims.items()))
        return (f"crash loop: {self.kills} kills ({aims}) in {self.rounds} rounds ({self.concurrent_rounds} with concurrent writers, "
                f"{self.writers} writers, {self.checkpoint_writers} writing checkpoints); {self.acked_events} acknowledged "
                f"events all present exactly once ({self.event_checks} event checks); killed batches: {self.killed_whole} "
                f"committed whole, {self.killed_absent} absent, {self.killed_printed} killed after printing; torn tails "
                f"seen {self.torn_seen} ({self.torn_seen_after_kill} after a kill alone, {self.torn_seen - self.torn_seen_after_kill} "
                f"after one of {self.power_cuts} simulated power cuts), cut by the next append {self.torn_cut}; {self.generation} ledgers; seed {self.seed}; {seconds:.1f} s")


def run_loop(kills, seed=None, workdir=None, log=print, **options):
    seed = seed if seed is not None else random.SystemRandom().randrange(1 << 32)
    own = workdir is None
    workdir = workdir or tempfile.mkdtemp(prefix="capacity-crash-")
    started = time.monotonic()
    loop = Loop(workdir, seed, log=log, **options)
    try:
        while loop.kills < kills:
            loop.round()
    except AssertionError:
        log(f"crash loop failed; seed {seed}, ledger kept in {workdir}")
        raise
    line = loop.summary(time.monotonic() - started)
    if own:
        shutil.rmtree(workdir, ignore_errors=True)
    return loop, line


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=int(os.environ.get("CRASH_KILLS", "500")))
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--dir", default=None, help="work in DIR (kept) instead of a temporary directory")
    ap.add_argument("--max-events", type=int, default=10000, help="start a new ledger past this many events")
    args = ap.parse_args()
    if not os.access(lk.BINARY, os.X_OK):
        sys.exit(f"no capacity binary at {lk.BINARY} (run swift build, or set CAPACITY_BIN)")
    if args.dir:
        os.makedirs(args.dir, exist_ok=True)
    try:
        _, line = run_loop(args.kills, seed=args.seed, workdir=args.dir, max_events=args.max_events)
    except AssertionError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
    print(line)


if __name__ == "__main__":
    main()
