"""The examples of docs/queries.md run as written, in order, and print what the page shows.

The page is read as one shell session: `$ export NAME=VALUE` sets the environment, `$ cat FILE`
followed by lines makes FILE hold those lines, and every `$ capacity …` line runs in a scratch
directory that has the checkout's events/ and REPL/ (so paths read as from the checkout's root),
its output compared with the lines after it. Paths under /tmp/ in the page are mapped into the
scratch directory. Recorded times, hashes and timings differ from run to run and are masked; a
line of the page with … (an elided part) matches any line that starts as it does.
"""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN_DIR = os.path.dirname(os.environ.get("CAPACITY_BIN", os.path.join(ROOT, ".build", "debug", "capacity")))

MASKS = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,6}Z"), "<recorded>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<hash>"),
    (re.compile(r"\b[0-9a-f]{12}…"), "<head>…"),
    (re.compile(r"in \d+\.\d\d s"), "in <s> s"),
    (re.compile(r"\b(?:log_bytes|bytes)\b.*"), "<bytes>"),
    (re.compile(r'"(?:log_bytes|bytes)":\d+'), '"bytes":<n>'),
]


def masked(line):
    for pattern, replacement in MASKS:
        line = pattern.sub(replacement, line)
    return line.rstrip()


def session(path):
    """The page's commands in order: (line number, kind, text, following lines)."""
    lines = open(path, encoding="utf-8").read().split("\n")
    steps, in_block, i = [], False, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            in_block = not in_block
            i += 1
            continue
        if in_block and line.startswith("$ "):
            j = i + 1
            if "<<'EOF'" in line:  # a here-document: its lines belong to the command
                while j < len(lines) and lines[j] != "EOF":
                    j += 1
                line = "\n".join(lines[i:j + 1])
                i, j = j, j + 1
            while j < len(lines) and not lines[j].startswith("$ ") and not lines[j].startswith("```"):
                j += 1
            steps.append((i + 1, line[2:], lines[i + 1:j]))
            i = j
            continue
        i += 1
    return steps


def same(w, g):
    """A line of the page against a line of the run; `…` in the page ends what must match."""
    return g.startswith(w.split("…")[0].rstrip()) if "…" in w else w == g


def mismatch(want, got):
    """None when the run prints what the page shows, else the first pair that differs. A line
    of the page that is only … stands for any number of lines: the lines before it match the
    run's first lines and the lines after it its last."""
    if "…" in want:
        k = want.index("…")
        head, tail = want[:k], want[k + 1:]
        if len(got) < len(head) + len(tail):
            return (f"{len(want)} lines", f"{len(got)} lines")
        pairs = list(zip(head, got)) + list(zip(tail, got[len(got) - len(tail):]))
    else:
        if len(want) != len(got):
            return next(((w, g) for w, g in zip(want, got) if not same(w, g)), (f"{len(want)} lines", f"{len(got)} lines"))
        pairs = list(zip(want, got))
    return next(((w, g) for w, g in pairs if not same(w, g)), None)


def test_the_examples_of_queries_md(tmp_path):
    work = tmp_path / "checkout"
    work.mkdir()
    for name in ("events", "REPL"):
        os.symlink(os.path.join(ROOT, name), work / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAPACITY_")}
    env.update(PATH=BIN_DIR + ":" + env.get("PATH", "/usr/bin:/bin"), NO_COLOR="1", CAPACITY_HISTORY="/dev/null")
    scratch = str(tmp_path / "t")
    os.makedirs(scratch)

    def local(text):
        return text.replace("/tmp/", scratch + "/")

    ran, failures = 0, []
    for number, command, shown in session(os.path.join(ROOT, "docs", "queries.md")):
        if command.startswith("export "):
            name, value = command[len("export "):].split("=", 1)
            env[name] = local(value)
            continue
        if command.startswith("cat "):
            (work / command[4:].strip()).write_text("\n".join(shown) + "\n")
            continue
        if not command.startswith("capacity"):
            continue
        ran += 1
        want = [masked(local(l)) for l in shown]
        # The page shows what a terminal shows (both streams), or standard output alone with
        # standard error in a block of its own.
        outcomes = []
        for redirect in (" 2>&1", " 2>/dev/null"):
            p = subprocess.run(["bash", "-c", local(command) + redirect], cwd=work, env=env, capture_output=True, text=True, timeout=120)
            got = [masked(l) for l in p.stdout.rstrip("\n").split("\n")] if p.stdout.strip() else []
            outcomes.append(mismatch(want, got))
            if outcomes[-1] is None:
                break
        if outcomes[-1] is not None:
            failures.append(f"docs/queries.md line {number}: {command}\n  page: {outcomes[0][0]}\n  run:  {outcomes[0][1]}")
    assert ran > 40
    assert not failures, "\n".join(failures)
