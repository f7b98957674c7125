"""Helpers shared by the crash and fault tests: the binary, events with unique markers, and
reading a ledger back through `capacity verify` and `capacity export`."""
import json
import os
import re
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("CAPACITY_BIN", os.path.join(ROOT, ".build", "debug", "capacity"))
HERE = os.path.dirname(os.path.abspath(__file__))

# Every event of these tests is an investment whose usd is its marker: unique, so that an event
# can be found in an export, and counted.
EFFECTIVE = "2025-01-01"
ACK_LINE = re.compile(r"^#(\d+) ([a-z.]+)$")
TORN_SEEN = re.compile(r"warning: ([\d,]+) bytes? after the last commit (?:is|are) ignored")
TORN_CUT = re.compile(r"removed an unfinished batch of ([\d,]+) bytes?")


def env(**extra):
    e = {k: v for k, v in os.environ.items() if not k.startswith("CAPACITY_") and not k.startswith("FAILSHIM_")}
    e.update(LANG="C.UTF-8", LC_ALL="C.UTF-8")
    e.pop("LD_PRELOAD", None)
    e.update({k: str(v) for k, v in extra.items()})
    return e


def run(args, ledger=None, stdin=None, extra_env=None, timeout=120):
    """Runs `capacity ARGS` and returns the completed process (text mode)."""
    cmd = [BINARY] + list(args)
    if ledger is not None:
        cmd += ["--ledger", ledger]
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env(**(extra_env or {})), timeout=timeout)


def marker_line(usd, investor="crash", recipient="fleet", recorded=None, note=None):
    """One JSON line: an investment whose usd is the marker."""
    e = {"type": "investment.committed", "investor": investor, "recipient": recipient, "usd": usd, "effective": EFFECTIVE}
    if recorded:
        e["recorded"] = recorded
    if note:
        e["note"] = note
    return json.dumps(e)


def marker_words(usd, investor="crash", recipient="fleet"):
    return ["investment.committed", f"investor={investor}", f"recipient={recipient}", f"usd={usd}", f"effective={EFFECTIVE}"]


def acknowledged(stdout):
    """The `#SEQ TYPE` lines a writer printed, as (seq, type)."""
    out = []
    for line in stdout.splitlines():
        m = ACK_LINE.match(line)
        if m:
            out.append((int(m.group(1)), m.group(2)))
    return out


def verify(ledger, extra_env=None):
    """`capacity verify --json`: (process, report dict or None)."""
    p = run(["verify", "--json"], ledger=ledger, extra_env=extra_env)
    report = None
    for line in p.stdout.splitlines():
        if line.startswith("{"):
            report = json.loads(line)
    return p, report


def export(ledger):
    """The exported events, as dicts; raises if export fails."""
    p = run(["export"], ledger=ledger)
    if p.returncode != 0:
        raise AssertionError(f"export failed with exit {p.returncode}: {p.stderr.strip()}")
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def count(text):
    return int(text.replace(",", ""))


def frame_starts(data, start):
    """Byte offsets of the frames from `start` (a frame boundary) to the end of `data`, as far as
    they are whole: varint length, 4-byte CRC, payload."""
    out = []
    pos = start
    while pos < len(data):
        length, shift, p = 0, 0, pos
        while p < len(data):
            b = data[p]
            p += 1
            length |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                break
        else:
            break
        if length == 0 or p + 4 + length > len(data):
            break
        out.append(pos)
        pos = p + 4 + length
    out.append(pos)
    return out
