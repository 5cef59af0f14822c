"""bench/latency.py runs end to end on a small synthetic knowledge base and checks itself against the targets."""

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_latency_benchmark_measures_every_figure_and_states_each_target():
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "latency.py"), "--sizes", "300", "--distinct", "40",
         "--ingest-sample", "4", "--queries", "30", "--port", str(free_port())],
        capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.strip().splitlines()
    assert any(line.startswith("cpu:") for line in lines)
    targets = [line for line in lines if line.startswith("target at 300:")]
    assert len(targets) == 6 and all(line.endswith(("-> met", "-> NOT MET")) for line in targets)
    summary = json.loads(lines[-1])
    figures = summary["300"]
    for name in ("query_embedding_ms", "vector_scan_ms", "lexical_ms", "fused_rank_ms", "service_ms",
                 "service_restricted_ms", "http_unrestricted_ms", "http_restricted_5pct_ms"):
        assert set(figures[name]) == {"p50", "p95", "p99"} and figures[name]["p50"] > 0, name
    assert figures["practices"] == 300 and figures["passages"] >= 300
    assert figures["startup_s"] > 0 and figures["server_rss_mb"] > 0
    assert summary["ingest"]["embedded"] > 0
    assert {row["index"] for row in summary["index_choice"]} == {"flat", "flat_fp16", "hnsw32_ef128", "ivf_4sqrt_n"}
