"""Hostile-input corpus: the built `capacity` fed bad, odd or malicious input, one case at a time.

Each line of cases.jsonl is one case (see README.md in this directory for the fields). A case
runs `capacity` on a private copy of a small fixture ledger, in a temporary working directory
where `$CAPACITY_LEDGER` is `fleet.ledger`, and checks the exit code, standard error (exact
unless the case says otherwise), standard output when the case gives it, and that the ledger's
bytes are unchanged unless the case says the input is accepted.

Run by `make test`; they use the debug build of `capacity` (or `$CAPACITY_BIN`).
"""
import base64
import json
import os
import re
import shutil
import signal
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BINARY = os.environ.get("CAPACITY_BIN", os.path.join(ROOT, ".build", "debug", "capacity"))
LEDGER = "fleet.ledger"
TIMEOUT = 10
CREATED = 1693526400 * 1_000_000  # 2023-09-01T00:00:00Z, in the fixture's header

# Cases whose expected behaviour the current build does not show yet. Each one states what a
# user should get; strict, so that a fix makes the case pass and this entry must then go.
XFAIL: dict[str, str] = {}


def load_cases():
    cases = []
    with open(os.path.join(HERE, "cases.jsonl"), encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            case = json.loads(line)
            case["_line"] = number
            cases.append(case)
    names = [c["name"] for c in cases]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, f"case names given twice: {duplicates}"
    return cases


CASES = load_cases()


def params():
    for case in CASES:
        marks = []
        if case["name"] in XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[case["name"]]))
        yield pytest.param(case, id=case["name"], marks=marks)


@pytest.fixture(scope="session")
def fixture_ledger(tmp_path_factory):
    """The model catalog and fixture.jsonl (two sites, racks, power, a void): 18 events.

    Every line gives its recorded time, so the records and hashes are the same in every run; the
    header's creation time is set to a fixed one too (with its CRC), so that the whole file is."""
    path = str(tmp_path_factory.mktemp("fixture") / LEDGER)
    for source in (os.path.join(ROOT, "events", "catalog.jsonl"), os.path.join(HERE, "fixture.jsonl")):
        subprocess.run([BINARY, "import", "--quiet", "--ledger", path, source], check=True, timeout=60)
    data = bytearray(open(path, "rb").read())
    data[16:24] = CREATED.to_bytes(8, "little")
    data[28:32] = crc32c(bytes(data[:28])).to_bytes(4, "little")
    with open(path, "wb") as f:
        f.write(bytes(data))
    return path


def content(spec):
    """Bytes from a case's text, {"b64": …}, or {"parts": [[TEXT, N], …]} (each TEXT N times, in
    order: for inputs too long to write out)."""
    if isinstance(spec, str):
        return spec.encode("utf-8")
    if "b64" in spec:
        return base64.b64decode(spec["b64"])
    if "parts" in spec:
        return b"".join(text.encode("utf-8") * count for text, count in spec["parts"])
    raise ValueError(f"unknown content {spec!r}")


def place(path, spec, fixture):
    """Put a file (or directory, or link) at path as a case describes it."""
    if spec == "fixture":
        shutil.copyfile(fixture, path)
    elif spec == "missing":
        pass
    elif spec == "directory":
        os.mkdir(path)
    elif isinstance(spec, dict) and "symlink" in spec:
        os.symlink(spec["symlink"], path)
    elif isinstance(spec, dict) and "hardlink" in spec:
        os.link(os.path.join(os.path.dirname(path), spec["hardlink"]), path)
    elif isinstance(spec, dict) and "patch" in spec:
        # The fixture with bytes overwritten: [[offset, "hex"], …]; a negative offset counts from the end.
        data = bytearray(open(fixture, "rb").read())
        for offset, hexbytes in spec["patch"]:
            new = bytes.fromhex(hexbytes)
            start = offset if offset >= 0 else len(data) + offset
            data[start:start + len(new)] = new
        open(path, "wb").write(bytes(data))
    elif isinstance(spec, dict) and "version" in spec:
        # The fixture with another format version in a header whose CRC is recomputed.
        data = bytearray(open(fixture, "rb").read())
        data[8:10] = spec["version"].to_bytes(2, "little")
        data[28:32] = crc32c(bytes(data[:28])).to_bytes(4, "little")
        open(path, "wb").write(bytes(data))
    elif isinstance(spec, dict) and "cut" in spec:
        # The fixture cut short: its first N bytes, or all but its last -N.
        open(path, "wb").write(open(fixture, "rb").read()[: spec["cut"]])
    else:
        open(path, "wb").write(content(spec))


def crc32c(data):
    """CRC-32C (Castagnoli), as the ledger header uses it."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def snapshot(path):
    if os.path.isdir(path):
        return "directory"
    if not os.path.lexists(path):
        return None
    with open(path, "rb") as f:
        return f.read()


def run_case(case, fixture, work):
    """Runs one case in the directory work; returns (exit code, stdout, stderr, ledger before, after)."""
    os.makedirs(work, exist_ok=True)
    ledger = os.path.join(work, LEDGER)
    place(ledger, case.get("ledger", "fixture"), fixture)
    for name, spec in case.get("files", {}).items():
        place(os.path.join(work, name), spec, fixture)
    before = snapshot(ledger)

    env = {k: v for k, v in os.environ.items() if not k.startswith("CAPACITY_") and k != "NO_COLOR"}
    env.update(CAPACITY_LEDGER=LEDGER, CAPACITY_HISTORY="/dev/null", CAPACITY=BINARY,
               LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="dumb")
    env.update(case.get("env", {}))
    if "sh" in case:
        argv = ["sh", "-c", case["sh"]]
    else:
        argv = [BINARY] + case["args"]
    if "stdin" in case:
        stdin = content(case["stdin"])
    else:
        stdin = b""
    proc = subprocess.Popen(argv, cwd=work, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        out, err = proc.communicate(stdin, timeout=case.get("timeout", TIMEOUT))
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"no answer after {case.get('timeout', TIMEOUT)} s (hangs); stderr so far: {err[-500:]!r}")
    finally:
        if "sh" in case:  # what the script left running in the background (a lock holder)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    code = proc.returncode if proc.returncode >= 0 else 128 - proc.returncode
    for name in case.get("absent", []):
        assert not os.path.lexists(os.path.join(work, name)), f"{name} was left behind"
    return code, out, err, before, snapshot(ledger)


def text(data):
    return data.decode("utf-8", errors="backslashreplace")


@pytest.mark.parametrize("case", params())
def test_hostile(case, fixture_ledger, tmp_path):
    code, out, err, before, after = run_case(case, fixture_ledger, str(tmp_path / "work"))
    stderr, stdout = text(err), text(out)
    where = f"case {case['name']} (cases.jsonl line {case['_line']})"
    assert code == case["exit"], f"{where}: exit {code}, expected {case['exit']}; stderr: {stderr!r}"
    if "stderr" in case:
        assert stderr == case["stderr"], f"{where}: stderr"
    if "stderr_prefix" in case:
        assert stderr.startswith(case["stderr_prefix"]), f"{where}: stderr {stderr!r}"
    if "stderr_re" in case:
        assert re.fullmatch(case["stderr_re"], stderr, re.S), f"{where}: stderr {stderr!r}"
    if "stdout" in case:
        assert stdout == case["stdout"], f"{where}: stdout"
    if "stdout_prefix" in case:
        assert stdout.startswith(case["stdout_prefix"]), f"{where}: stdout {stdout!r}"
    if "stdout_re" in case:
        assert re.fullmatch(case["stdout_re"], stdout, re.S), f"{where}: stdout {stdout!r}"
    if case.get("unchanged", True):
        assert after == before, f"{where}: the ledger's bytes changed (or it was created or removed)"
    else:
        assert after != before, f"{where}: the input was to be accepted, but the ledger did not change"
