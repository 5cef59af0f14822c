"""bench/consent_cost.py runs end to end at a tiny size and prints every figure beside its comparison."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_consent_cost_benchmark_prints_redaction_and_audience_costs_beside_their_baselines():
    run = subprocess.run([sys.executable, "bench/consent_cost.py", "--size", "400"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, check=True)
    out = run.stdout
    assert out.startswith("machine: cpu=")
    assert re.search(r"^load average before: [\d.]+ [\d.]+ [\d.]+$", out, re.M)
    assert re.search(r"^load average after: [\d.]+ [\d.]+ [\d.]+$", out, re.M)
    assert re.search(r"entries: 400 of \d+ words on average; 18 states, \d+ identifying terms", out)
    assert re.search(r"per entry: [\d.]+ ms redacting vs [\d.]+ ms tokenising for BM25 \([\d.]+ x\)", out)
    assert re.search(r"80 anonymous entries: [\d.]+ s", out)
    assert re.search(r"view of 240 visible documents: [\d.]+ ms to make", out)
    for kind in ("short", "long"):
        assert re.search(kind + r" query \(\d+ words\): over everything [\d.]+ ms first / [\d.]+ ms warm; "
                         r"over the audience [\d.]+ ms first / [\d.]+ ms warm \([\d.]+ x warm\)", out)
