"""The examples of README.md and the docs run as written, in order, and print what the page shows.

Each page is read as one shell session that starts at the root of a fresh checkout (a scratch
directory holding links to the checkout's files and to the built `capacity`, with HOME inside
the scratch directory):

- `$ COMMAND` in a code block runs in bash; the lines after it, up to the next `$ ` line or the
  end of the block, are what it prints. `cd`, `export` and `$?` carry over from one command to
  the next. `$ cat FILE` followed by lines makes FILE hold those lines.
- A ```sh block holds commands without their output: each line runs and must exit 0.
- A console transcript: lines at a prompt such as `rainier [at 2025-10-29]> COMMAND` (and
  `...> ` continuation lines), each followed by what it prints. A transcript runs through the
  console in batch mode, its input the commands typed at the prompts, every block on its own:
  the first prompt's cursor (`at`, `known`) is set first, and `error: M` on the page is batch
  mode's `line N: M`. The console is the `$ ` command the transcript follows in its block
  (whose banner, the lines before the first prompt, is compared with what the command prints
  with --interactive), else the last such command on the page whose prompt has the same ledger
  name, else `capacity demo` for `rainier` (what `make demo` opens).
- A block that cannot run here (it needs a terminal, a network, a second process at the same
  time) follows a line `<!-- not run: REASON -->`, shown in the page's source.

Paths under /tmp/ in the page are mapped into the scratch directory. Recorded times, hashes and
timings differ from run to run and are masked; a line of the page with … (an elided part)
matches any line that starts as it does, and a line that is only … any number of lines.
"""
import os
import re
import signal
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("CAPACITY_BIN", os.path.join(ROOT, ".build", "debug", "capacity"))

# Each page, and how many of its examples run at least (a parser that stops finding them fails).
PAGES = {"README.md": 15, "docs/getting-started.md": 40, "docs/queries.md": 40, "docs/repl.md": 60, "docs/events.md": 60, "docs/log-format.md": 5}

MASKS = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,6}Z"), "<recorded>"),
    (re.compile(r"\b[0-9a-f]{128}\b"), "<signature>"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<hash>"),
    (re.compile(r"\b[0-9a-f]{12}…"), "<head>…"),
    (re.compile(r"in \d+\.\d\d s"), "in <s> s"),
    (re.compile(r"^time: \d+\.\d ms$"), "time: <ms> ms"),
    (re.compile(r"\b(?:log_bytes|bytes)\b.*"), "<bytes>"),
    (re.compile(r'"(?:log_bytes|bytes)":\d+'), '"bytes":<n>'),
]

PROMPT = re.compile(r"^(?P<name>[\w.-]+)[ *]\[(?P<cursor>at [^\]]*)\]>(?: (?P<input>.*))?$")
CONTINUED = re.compile(r"^\s+\.\.\.> (?P<input>.*)$")
NOT_RUN = re.compile(r"^<!-- not run(?:: (?P<reason>.*?))? -->$")
# A line the console refuses, typed before each command of a transcript: its error message on
# standard error marks where the command's output begins (markers on standard output would
# follow .output into its file).
MARK = "doc-example-step"
MARK_LINE = re.compile(r'^line \d+: unknown command "' + MARK + '"')


def masked(line):
    for pattern, replacement in MASKS:
        line = pattern.sub(replacement, line)
    return line.rstrip()


def code_blocks(path):
    """The fenced blocks of a page: (line number of the fence, info string, lines, reason not
    run or None)."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks, i = [], 0
    while i < len(lines):
        if not lines[i].startswith("```"):
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        before = next((lines[k].strip() for k in range(i - 1, -1, -1) if lines[k].strip()), "")
        reason = None
        if before.startswith("<!-- not run"):
            m = NOT_RUN.match(before)
            assert m and m.group("reason"), f"{path} line {i}: `<!-- not run: REASON -->` needs its reason"
            reason = m.group("reason")
        blocks.append((i + 1, lines[i][3:].strip(), lines[i + 1:j], reason))
        i = j + 1
    return blocks


def here_document(lines, i):
    """The command that starts at lines[i], with the lines of its here-document if it has one,
    and the index of the line after it."""
    j = i + 1
    if "<<'EOF'" in lines[i]:
        while j < len(lines) and lines[j] != "EOF":
            j += 1
        return "\n".join(lines[i:j + 1]), j + 1
    return lines[i], j


def transcript(lines, first):
    """A console transcript: [(line number, prompt match, input lines, output lines)]."""
    steps = []
    for k, line in enumerate(lines):
        prompt, more = PROMPT.match(line), CONTINUED.match(line)
        if prompt:
            steps.append((first + k, prompt, [prompt.group("input") or ""], []))
        elif more and steps and not steps[-1][3]:
            steps[-1][2].append(more.group("input"))
        elif steps:
            steps[-1][3].append(line)
    return steps


def session(path):
    """The page's examples in order: (line number, kind, text, following lines) with kind
    `shell` ($ lines), `script` (the lines of a sh block) or `console` (text the command that
    opens the console, or None, and following lines the transcript's steps)."""
    steps = []
    for fence, info, lines, reason in code_blocks(path):
        if reason is not None:
            continue
        if info == "sh":
            k = 0
            while k < len(lines):
                line, j = here_document(lines, k)
                if line.strip() and not line.lstrip().startswith("#"):
                    steps.append((fence + k + 1, "script", line, []))
                k = j
            continue
        if not any(l.startswith("$ ") or PROMPT.match(l) for l in lines):
            continue  # a synopsis, or output shown in a block of its own
        i = 0
        if not lines[0].startswith("$ "):
            steps.append((fence + 1, "console", None, transcript(lines, fence + 1)))
            continue
        while i < len(lines):
            line, j = here_document(lines, i)
            line = line[2:]
            k = j
            while k < len(lines) and not lines[k].startswith("$ "):
                k += 1
            shown = lines[j:k]
            if any(PROMPT.match(l) for l in shown):
                banner = next(n for n, l in enumerate(shown) if PROMPT.match(l))
                steps.append((fence + i + 1, "banner", line, shown[:banner]))
                steps.append((fence + i + 1, "console", line, transcript(shown, fence + j + 1)))
            else:
                steps.append((fence + i + 1, "shell", line, shown))
            i = k
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


def output_lines(text):
    return [masked(l) for l in text.rstrip("\n").split("\n")] if text.strip() else []


class Shell:
    """A shell session whose working directory, environment and last exit code carry over from
    one command to the next; paths under /tmp/ are mapped into the scratch directory."""

    def __init__(self, tmp_path):
        self.work = tmp_path / "checkout"
        self.work.mkdir()
        for name in os.listdir(ROOT):
            if not name.startswith(".") and not name.endswith(".ledger"):
                os.symlink(os.path.join(ROOT, name), self.work / name)
        (self.work / ".build" / "debug").mkdir(parents=True)
        os.symlink(BINARY, self.work / ".build" / "debug" / "capacity")
        self.scratch = tmp_path / "t"
        (tmp_path / "home").mkdir()
        self.scratch.mkdir()
        self.state = tmp_path / "state"
        self.cwd = str(self.work)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CAPACITY_")}
        self.env.update(PATH=os.path.dirname(BINARY) + ":" + self.env.get("PATH", "/usr/bin:/bin"), NO_COLOR="1",
                        CAPACITY_HISTORY="/dev/null", HOME=str(tmp_path / "home"))
        self.rc = 0

    def local(self, text):
        return text.replace("/tmp/", str(self.scratch) + "/")

    def run(self, command, redirect=" 2>&1"):
        """Runs `command`; returns its exit code and standard output."""
        script = f"(exit {self.rc})\n{{ {self.local(command)}\n}}{redirect}\nrc=$?\n{{ pwd; env -0; }} > '{self.state}'\nexit $rc\n"
        p = subprocess.Popen(["bash", "-c", script], cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            out, _ = p.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)  # the command and whatever it started
            p.communicate()
            raise
        self.rc = p.returncode
        if self.state.exists():
            cwd, env = self.state.read_text().split("\n", 1)
            self.cwd = cwd
            self.env = dict(v.split("=", 1) for v in env.split("\0") if "=" in v and not v.startswith(("_=", "SHLVL=", "OLDPWD=")))
            self.state.unlink()
        return self.rc, out


QUIT = {".quit", ".exit", "quit", "exit", "\\q"}


def console(shell, command, steps):
    """Runs a transcript's commands through `command` in batch mode; returns each one's output,
    its errors as the console shows them (`error: M`), or raises when the console did not reach
    every command (up to a command that leaves it)."""
    first = steps[0][1]
    setup = []
    cursor = first.group("cursor")[len("at "):].split(", known ")
    if cursor[0] != "now":
        setup.append("at " + cursor[0])
    if len(cursor) > 1:
        setup.append("known " + cursor[1])
    script = setup[:]
    for _, _, typed, _ in steps:
        script += [MARK] + [shell.local(t) for t in typed]
    (shell.scratch / "typed.repl").write_text("\n".join(script) + "\n")
    _, out = shell.run(command, f" < '{shell.scratch}/typed.repl' 2>&1")
    parts = [[]]
    for line in out.rstrip("\n").split("\n"):
        if MARK_LINE.match(line):
            parts.append([])
        else:
            parts[-1].append(re.sub(r"^line \d+: ", "error: ", line))
    reached = next((k + 1 for k, step in enumerate(steps) if step[2][0].strip() in QUIT), len(steps))
    if len(parts) - 1 < reached:
        raise AssertionError(f"{command} ran {len(parts) - 1} of {reached} commands:\n" + "\n".join(parts[-1][-5:]))
    return [output_lines("\n".join(p)) for p in parts[1:]] + [[]] * (len(steps) + 1 - len(parts))


@pytest.mark.parametrize("page", list(PAGES))
def test_the_examples_run_as_written(tmp_path, page):
    path = os.path.join(ROOT, page)
    if not os.path.exists(path):
        pytest.skip(f"no {page}")
    shell = Shell(tmp_path)
    consoles = {"rainier": "capacity demo"}
    ran, failures = 0, []

    def check(number, command, want, got):
        problem = mismatch([masked(shell.local(l)) for l in want], got)
        if problem is not None:
            failures.append(f"{page} line {number}: {command}\n  page: {problem[0]}\n  run:  {problem[1]}")

    for number, kind, command, shown in session(path):
        if kind == "script":
            ran += 1
            rc, out = shell.run(command)
            if rc != 0:
                failures.append(f"{page} line {number}: {command}\n  exit {rc}: {out.strip()[-300:]}")
        elif kind == "shell" and command.startswith("cat ") and shown:
            with open(os.path.join(shell.cwd, shell.local(command[4:].strip())), "w") as f:
                f.write("\n".join(shown) + "\n")
        elif kind == "shell":
            ran += 1
            # The page shows what a terminal shows (both streams), or standard output alone with
            # standard error in a block of its own.
            want = [masked(shell.local(l)) for l in shown]
            outcomes = []
            for redirect in (" 2>&1", " 2>/dev/null"):
                got = output_lines(shell.run(command, redirect)[1])
                outcomes.append(mismatch(want, got))
                if outcomes[-1] is None:
                    break
            if outcomes[-1] is not None:
                failures.append(f"{page} line {number}: {command}\n  page: {outcomes[0][0]}\n  run:  {outcomes[0][1]}")
        elif kind == "banner":
            ran += 1
            check(number, command + " (its banner)", shown, output_lines(shell.run(command + " --interactive")[1]))
        elif kind == "console":
            name = shown[0][1].group("name") if shown else None
            if command is not None:
                consoles[name] = command
            steps = [s for s in shown if s[2] != [""]]
            if not steps:
                continue
            if name not in consoles:
                failures.append(f"{page} line {number}: no command on the page opens the console on {name}")
                continue
            try:
                outputs = console(shell, consoles[name], steps)
            except AssertionError as e:
                failures.append(f"{page} line {number}: {e}")
                continue
            for (line, _, typed, want), got in zip(steps, outputs):
                ran += 1
                check(line, f"{name}> " + " ".join(typed), want, got)
    assert ran >= PAGES[page], f"{page}: only {ran} examples found"
    assert not failures, "\n".join(failures)
