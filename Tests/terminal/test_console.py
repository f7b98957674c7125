"""Terminal tests: the console under a real pseudo-terminal, driven with pexpect.

Run by `make test` after `swift test`; they use the debug build of `capacity`.
"""
import json
import os
import subprocess
import tempfile
import time

import pexpect
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("CAPACITY_BIN", os.path.join(ROOT, ".build", "debug", "capacity"))
PROMPT = r"rainier \[at [^\]]+\]> "


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory):
    """The demo history in a ledger file, built once for the module."""
    path = str(tmp_path_factory.mktemp("ledger") / "rainier.ledger")
    for name in ("catalog.jsonl", "rainier.jsonl"):
        subprocess.run([BINARY, "import", "--quiet", "--ledger", path, os.path.join(ROOT, "events", name)], check=True)
    return path


@pytest.fixture
def ledger(demo_ledger, tmp_path):
    """A private copy, so a test's appends do not leak into others."""
    path = str(tmp_path / "rainier.ledger")
    with open(demo_ledger, "rb") as src, open(path, "wb") as dst:
        dst.write(src.read())
    return path


def spawn(ledger, tmp_path, history=None, pager="", columns=200):
    """The console under a terminal 50 rows high and 200 columns wide (or `columns`). PAGER is
    empty (no pager) unless a test asks for one."""
    env = dict(os.environ)
    env.update(CAPACITY_LEDGER=ledger, TERM="xterm", LANG="C.UTF-8", LC_ALL="C.UTF-8",
               CAPACITY_HISTORY=history or str(tmp_path / "history"), PAGER=pager)
    env.pop("NO_COLOR", None)
    child = pexpect.spawn(BINARY, env=env, encoding="utf-8", timeout=30, dimensions=(50, columns))
    child.expect(PROMPT)
    return child


def quit(child):
    """Ctrl-D at the prompt. Callers first expect the prompt that follows their last command,
    but the line editor may draw a prompt again while it takes in a typed line, and a pattern
    can match that one instead: a Ctrl-D typed while the command still runs meets the terminal
    in cooked mode, which takes it as end of input there, and the line editor never sees it.
    So when the console has not ended a few seconds after a Ctrl-D, it is sent again (at the
    prompt, a second Ctrl-D is the same request; nothing else can end the console here)."""
    for attempt in range(5):
        if attempt:
            # A Ctrl-D taken by the terminal in cooked mode can leave the line editor a line that
            # is not empty (it then rings the bell at each Ctrl-D): Ctrl-U empties the line first.
            child.sendcontrol("u")
        child.sendcontrol("d")
        if child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=6) == 0:
            break
    else:
        child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def goes_on_after_ctrl_c(child, cursor):
    """After `interrupted`: the prompt comes back, the next command answers (`at` shows the
    cursor, matched by `cursor`), and Ctrl-D then ends the console; returns its exit status."""
    child.expect(PROMPT)
    child.sendline("at")
    child.expect(cursor)
    child.expect(PROMPT)
    return quit(child)


def test_prompt_and_banner(ledger, tmp_path):
    child = spawn(ledger, tmp_path)
    assert "22,174 events" in child.before
    assert quit(child) == 0


def test_tab_completes_a_command(ledger, tmp_path):
    child = spawn(ledger, tmp_path)
    child.send("cap\t")
    child.expect("acity ")
    child.send("at=2025-10-29\r")
    child.expect(r"PFLOPS \(bf16\)")
    child.expect("333,521.3")
    child.expect(PROMPT)
    assert quit(child) == 0


def test_tab_lists_site_ids(ledger, tmp_path):
    child = spawn(ledger, tmp_path)
    child.send("fleet site=\t\t")
    child.expect("site=azure-gb")
    child.expect("site=gcp-tpu")
    child.expect("site=rainier-in")
    # Clear the line and run a command: its output proves the listing's redrawn prompt is
    # behind us, so the Ctrl-D of `quit` meets the next prompt and not the moment between two
    # prompts (when the terminal is in cooked mode and would take it for end of input there).
    child.sendcontrol("u")
    child.sendline("at")
    child.expect("at now, known now")
    child.expect(PROMPT)
    assert quit(child) == 0


def test_up_arrow_recalls_the_previous_command(ledger, tmp_path):
    child = spawn(ledger, tmp_path)
    child.sendline("power site=rainier-in at=2025-10-29")
    child.expect("351.585")
    child.expect(PROMPT)
    child.send("\x1b[A")
    time.sleep(0.2)
    child.send("\r")
    child.expect("351.585")
    child.expect(PROMPT)
    assert quit(child) == 0


def test_ctrl_c_discards_a_half_typed_line(ledger, tmp_path):
    child = spawn(ledger, tmp_path)
    child.send("fleet site=rain")
    time.sleep(0.2)
    child.sendcontrol("c")
    child.expect(PROMPT)
    child.sendline("at")
    child.expect("at now, known now")
    child.expect(PROMPT)
    assert child.isalive()
    assert quit(child) == 0


def test_ctrl_c_stops_a_long_timeline(ledger, tmp_path):
    child = spawn(ledger, tmp_path)
    child.sendline("timeline metric=pflops every=day from=1800-01-01 to=2070-01-01")
    time.sleep(1.0)
    child.sendcontrol("c")
    child.expect("interrupted", timeout=20)
    assert goes_on_after_ctrl_c(child, "at now") == 0


def test_ctrl_c_stops_a_long_result_while_it_prints(ledger, tmp_path):
    child = spawn(ledger, tmp_path)
    child.sendline("replay from=2024-01-01 to=2030-01-01")
    # The first rows are out: the query is answered and its 21,000 rows are being printed. The
    # test reads no further, so the terminal fills up and the console waits to write the rest.
    child.expect(r"site\.opened rainier-ms")
    time.sleep(0.5)
    child.sendcontrol("c")
    index = child.expect([r"interrupted", PROMPT], timeout=60, searchwindowsize=4000)
    assert index == 0, "the whole result was printed"
    assert child.before.count("\n") < 2000
    assert goes_on_after_ctrl_c(child, "at now, known now") == 0


def test_ctrl_d_exits_0_and_saves_history(ledger, tmp_path):
    history = str(tmp_path / "hist")
    child = spawn(ledger, tmp_path, history=history)
    child.sendline("sites")
    child.expect(PROMPT)
    child.sendline("models at=2025-10-29")
    child.expect(PROMPT)
    child.sendline("models at=2025-10-29")
    child.expect(PROMPT)
    assert quit(child) == 0
    lines = open(history, encoding="utf-8").read().splitlines()
    assert "sites" in lines
    assert lines.count("models\\040at=2025-10-29") == 1, lines


def test_non_ascii_note_survives_into_the_stored_event(ledger, tmp_path):
    child = spawn(ledger, tmp_path)
    child.sendline('append investment.committed investor=amazon recipient=anthropic usd=1 note="café ☃ test"')
    child.expect(r"#22175 investment.committed")
    child.expect(PROMPT)
    assert quit(child) == 0
    out = subprocess.run([BINARY, "log", "--json", "--ledger", ledger, "--limit", "1"], capture_output=True, text=True, check=True)
    event = json.loads(out.stdout.strip().splitlines()[-1])
    assert event["note"] == "café ☃ test"


def test_another_process_append_shows_at_the_next_prompt(ledger, tmp_path):
    child = spawn(ledger, tmp_path)
    subprocess.run([BINARY, "append", "--ledger", ledger, "investment.committed", "investor=google",
                    "recipient=anthropic", "usd=5"], check=True, capture_output=True)
    child.sendline("investments investor=google")
    child.expect("1 new event: #22175")
    child.expect("3,000,000,005")
    child.expect(PROMPT)
    assert quit(child) == 0


def test_bad_input_prints_one_error_and_goes_on(ledger, tmp_path):
    child = spawn(ledger, tmp_path)
    child.sendline("fleet at=yesterday")
    child.expect(r"error: (\x1b\[0m)?fleet: at=yesterday is not a point in time")
    child.expect(PROMPT)
    child.sendline("frobnicate")
    child.expect(r'error: (\x1b\[0m)?unknown command "frobnicate"')
    child.expect(PROMPT)
    assert quit(child) == 0


# ---------------------------------------------------------------- tables that fit the terminal

def result_lines(child, command):
    """Runs `command` at the prompt and returns the lines of its result (the echoed command and
    the next prompt left out)."""
    child.sendline(command)
    child.expect(PROMPT)
    lines = child.before.replace("\r\n", "\n").split("\n")
    assert lines[0].endswith(command), lines[0]
    return [line for line in lines[1:] if line]


def test_fleet_fits_an_80_column_terminal(ledger, tmp_path):
    child = spawn(ledger, tmp_path, columns=80)
    lines = result_lines(child, "fleet at=2026-12-31")
    assert lines[1].split() == ["site", "model", "delivered", "installed", "energized", "strand", "retired", "undepl"], lines
    assert lines[-1] == "columns: delivered, installed, energized, stranded, retired, undeployed (chips)"
    assert len(lines) == 9 and all(len(line) <= 80 for line in lines), lines
    # Numbers stay right-aligned under their headers.
    assert lines[5].startswith("rainier-in  trainium2  1,008,000  1,001,600  1,001,600       0        0   6,400"), lines
    # The whole table, as before, when results go to a file.
    out = tmp_path / "fleet.txt"
    child.sendline(f".once {out}")  # a line longer than the terminal: its echo wraps
    child.expect(PROMPT)
    assert result_lines(child, "fleet at=2026-12-31") == []
    text = out.read_text()
    assert "  delivered (chips)  " in text and "columns:" not in text, text
    assert quit(child) == 0


def test_x_auto_expands_what_no_compact_form_fits(ledger, tmp_path):
    child = spawn(ledger, tmp_path, columns=50)
    # Expanded display off: the table is printed whole, wider than the terminal.
    assert "  delivered (chips)  " in "\n".join(result_lines(child, "fleet at=2026-12-31"))
    assert result_lines(child, "\\x auto") == ["expanded display is auto"]
    lines = result_lines(child, "fleet at=2026-12-31")
    assert lines[:3] == ["fleet at 2026-12-31, known now", "-[ RECORD 1 ]--------", "site               | azure-gb"], lines
    assert "undeployed (chips) | 6,400" in lines
    assert all(len(line) <= 50 for line in lines), lines
    # A table that a compact form fits is narrowed, not expanded.
    lines = result_lines(child, "power at=2026-12-31")
    assert lines[1].split() == ["site", "cap", "alloc", "drawn", "headroom"], lines
    assert lines[-1] == "columns: cap, allocated, drawn, headroom (MW)"
    assert all(len(line) <= 50 for line in lines), lines
    assert quit(child) == 0


def test_query_on_a_terminal_fits_it_and_elsewhere_prints_the_whole_table(ledger, tmp_path):
    # Answered from the log, then (a checkpoint written for a ledger this large) from the checkpoint.
    for minimum in ("50000", "1000", "1000"):
        env = dict(os.environ, CAPACITY_CHECKPOINT_MIN_EVENTS=minimum)
        child = pexpect.spawn(BINARY, ["query", "--ledger", ledger, "fleet at=2026-12-31"], encoding="utf-8", timeout=30,
                              dimensions=(24, 80), env=env)
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0
        lines = child.before.replace("\r\n", "\n").strip("\n").split("\n")
        assert lines[-1].startswith("columns: delivered") and all(len(line) <= 80 for line in lines), (minimum, lines)
    assert os.path.exists(ledger + ".ckpt")
    # Through a pipe: the whole table.
    piped = subprocess.run([BINARY, "query", "--ledger", ledger, "fleet at=2026-12-31"], capture_output=True, text=True, check=True)
    assert "  delivered (chips)  " in piped.stdout and "columns:" not in piped.stdout
    # Batch mode keeps the whole table even on a terminal, as its transcripts do.
    script = tmp_path / "fleet.repl"
    script.write_text("fleet at=2026-12-31\n")
    child = pexpect.spawn("/bin/sh", ["-c", f"{BINARY} --ledger {ledger} < {script}"], encoding="utf-8", timeout=30,
                          dimensions=(24, 80))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "  delivered (chips)  " in child.before and "columns:" not in child.before


# ---------------------------------------------------------------- import progress

@pytest.fixture(scope="module")
def history_70k(tmp_path_factory):
    """70,000 generated events: the progress bar first shows at 65,536."""
    path = str(tmp_path_factory.mktemp("history") / "h.jsonl")
    with open(path, "wb") as out:
        subprocess.run([BINARY, "generate", "70000", "--seed", "3", "--profile", "ample"], stdout=out, check=True)
    return path


def spawn_import(args, stdout_path):
    """`capacity import ARGS` with standard error on a pseudo-terminal 100 columns wide and
    standard output to a file."""
    command = " ".join([BINARY, "import"] + args) + f" > {stdout_path}"
    child = pexpect.spawn("/bin/sh", ["-c", command], encoding="utf-8", timeout=120, dimensions=(24, 100))
    return child


BAR = r"\rimporting \[#+\.*\]  9\d%  65,536 events  [\d,]+/s"


def test_import_shows_a_progress_bar_on_a_terminal_and_takes_it_off_when_done(history_70k, tmp_path):
    ledger, out = str(tmp_path / "l"), str(tmp_path / "out")
    child = spawn_import(["--ledger", ledger, history_70k], out)
    child.expect(BAR)
    line = child.after + child.buffer.split("\r")[0]
    assert len(line.rstrip("\x1b[K")) < 100  # never wider than the terminal
    child.expect(r"\r\x1b\[K")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    with open(out) as f:
        lines = f.read().splitlines()
    assert len(lines) == 1 and lines[0].startswith("appended 70,000 events, #1–#70000, in ")


def test_an_import_error_takes_the_bar_off_before_it_is_printed(history_70k, tmp_path):
    bad = str(tmp_path / "bad.jsonl")
    with open(history_70k) as src, open(bad, "w") as dst:
        dst.write(src.read())
        dst.write('{"type":"chips.delivered","site":"nowhere","model":"b200","quantity":5}\n')
    ledger = str(tmp_path / "l")
    child = spawn_import(["--ledger", ledger, bad], str(tmp_path / "out"))
    child.expect(BAR)
    child.expect(r"\r\x1b\[Kcapacity: line 70001: chips\.delivered: site nowhere has not been opened")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 65
    assert not os.path.exists(ledger)  # nothing stored


def test_quiet_import_shows_no_bar(history_70k, tmp_path):
    ledger = str(tmp_path / "l")
    child = spawn_import(["--quiet", "--ledger", ledger, history_70k], str(tmp_path / "out"))
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert "importing" not in child.before
    assert os.path.getsize(str(tmp_path / "out")) == 0


def test_a_result_taller_than_the_terminal_goes_through_the_pager(ledger, tmp_path):
    paged = tmp_path / "paged.txt"
    child = spawn(ledger, tmp_path, pager=f"cat > {paged}")
    child.sendline("log type=site.opened")  # 4 rows: fits, printed as usual
    child.expect("rainier-pa")
    child.expect(PROMPT)
    assert not paged.exists()
    child.sendline("log type=chip.model.defined limit=60")  # fits too
    child.expect(PROMPT)
    child.sendline("log limit=200")  # taller than the 50 rows: to the pager, not the screen
    child.expect(PROMPT)
    assert "rack.installed" not in child.before
    text = paged.read_text()
    assert text.count("\n") >= 200 and "rack.installed" in text
    paged.unlink()
    child.sendline(".pager off")
    child.expect(PROMPT)
    child.sendline("log limit=200")
    child.expect(PROMPT)
    assert "rack.installed" in child.before and not paged.exists()
    assert quit(child) == 0


def test_a_missing_pager_prints_the_result(ledger, tmp_path):
    child = spawn(ledger, tmp_path, pager="no-such-pager-here")
    child.sendline("log limit=200")
    child.expect(PROMPT)
    assert "rack.installed" in child.before
    assert quit(child) == 0


def test_a_transaction_shows_in_the_prompt_and_leaving_asks_first(ledger, tmp_path):
    before = open(ledger, "rb").read()
    child = spawn(ledger, tmp_path)
    child.sendline("begin")
    child.expect(r"rainier\*\[at [^\]]+\]> ")
    child.sendline("append chips.delivered site=rainier-in model=trainium2 quantity=64 effective=2026-03-01")
    child.expect("#22175 chips.delivered")
    child.expect(r"rainier\*\[at [^\]]+\]> ")
    assert "new event" not in child.before  # its own append is not another process's
    child.sendcontrol("d")
    child.expect(r"A transaction with 1 event is open; leave and roll it back\? \[y/N\] ")
    child.sendline("n")
    child.expect("the transaction is still open")
    child.expect(r"rainier\*\[at [^\]]+\]> ")
    child.sendline("quit")
    child.expect(r"leave and roll it back\? \[y/N\] ")
    child.sendline("y")
    child.expect("the open transaction was rolled back")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert open(ledger, "rb").read() == before
