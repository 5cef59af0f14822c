"""bench/retrieval.py runs end to end on a tiny BEIR-layout folder and ends with its JSON line."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

DOCS = {
    "a": ("Fire door propped open", "Contractors keep propping open the fire door\x19 to the source store."),
    "b": ("Chlorine transport", "Trucks carrying chlorine drums park overnight at roadside cafes."),
    "c": ("Insider vetting", "Staff with access to dangerous material are vetted again every few years."),
    "d": ("Ransomware on plant networks", "Office malware could spread to the control system of the plant."),
}
QUERIES = {"1": ("door left open by contractors", "a"), "2": ("chlorine lorry parking", "b"),
           "3": ("background checks of staff", "c"), "4": ("malware reaching control systems", "d")}


@pytest.mark.slow
def test_retrieval_benchmark_reports_the_product_beside_the_baselines(tmp_path: Path):
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text(
        "\n".join(json.dumps({"_id": k, "title": t, "text": x}) for k, (t, x) in DOCS.items()))
    (tmp_path / "queries.jsonl").write_text(
        "\n".join(json.dumps({"_id": k, "text": q}) for k, (q, _) in QUERIES.items()))
    (tmp_path / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{k}\t{d}\t1\n" for k, (_, d) in QUERIES.items()))
    run = subprocess.run([sys.executable, str(ROOT / "bench" / "retrieval.py"), str(tmp_path)],
                         capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-2000:]
    lines = run.stdout.strip().splitlines()
    assert any(line.startswith("cpu:") for line in lines)
    assert any(line.startswith("load average before:") for line in lines)
    assert any(line.startswith("load average after:") for line in lines)
    summary = json.loads(lines[-1])
    assert summary["dataset"] == tmp_path.name
    for ranking in ("plain-bm25", "plain-dense", "plain-rrf", "lexical", "dense", "hybrid"):
        assert set(summary[ranking]) >= {"ndcg@10", "recall@100", "queries", "<=20", "21-50", ">50"}
        assert summary[ranking]["<=20"]["queries"] == 4
    assert summary["hybrid"]["ndcg@10"] > 0.9
    assert summary["hybrid"]["recall@100"] == 1.0
