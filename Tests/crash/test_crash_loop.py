"""The kill -9 loop (crash_loop.py) with at least 50 kills, for make test; `make crash` runs 500.

CRASH_TEST_KILLS changes the number of kills here, CRASH_SEED fixes the random seed (each run
picks one and prints it, with the work directory kept when a check fails).
"""
import os

import crash_loop


def test_kill_loop(tmp_path, figures):
    kills = int(os.environ.get("CRASH_TEST_KILLS", "50"))
    seed = int(os.environ["CRASH_SEED"]) if os.environ.get("CRASH_SEED") else None
    loop, line = crash_loop.run_loop(kills, seed=seed, workdir=str(tmp_path), max_events=5000)
    figures.append(line)
    assert loop.kills >= kills
    assert loop.acked_events > 0
