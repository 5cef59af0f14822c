"""What the consent work costs at scale: redacting anonymous entries and BM25 statistics per audience.

Run: .venv/bin/python bench/consent_cost.py [--size 100000] [--anonymous 0.2] [--visible 0.6]

Texts are the demo practices' sentences recombined (eight per entry, about 150 words), so the words, names
and lengths are those of real entries. Prints the machine, the load average before and after, and each cost
beside what it is compared with in the same run: redaction beside tokenising the same text, audience BM25
beside BM25 over everything.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import machine_info  # noqa: E402
from index.lexical import LexicalIndex  # noqa: E402
from ingest.readers import read_records  # noqa: E402
from kb.config import PACKAGE_VOCABULARY_DIR  # noqa: E402
from kb.identifying import identifying_terms  # noqa: E402

SHORT_QUERY = "insider threat programme for guards at a research reactor"
LONG_QUERY = (
    "During the review the team observed that the operator relies on guards who have not been vetted again since "
    "they were hired, that colleagues are not trained to report unusual behaviour, and that access to the central "
    "alarm station is not limited to those who need it. The regulator has no requirement for periodic "
    "trustworthiness checks and the security plan does not address insider threats. The mission recommended a "
    "programme of vetting, behaviour observation and two-person rules for vital areas, with the regulator "
    "inspecting its implementation every year. We are looking for how other states organised such a programme, "
    "who runs the checks, and how they keep the records confidential."
)


def demo_sentences() -> list[str]:
    """Return every sentence of the demo practices' titles, summaries and bodies."""
    sentences: list[str] = []
    for path in sorted((ROOT / "fixtures" / "practices").rglob("*")):
        if not path.is_file():
            continue
        for record in read_records(path, path.read_text(encoding="utf-8")):
            data = record.data if isinstance(record.data, dict) else {}
            for name in ("title", "summary", "body"):
                text = str(data.get(name) or "")
                sentences += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 4]
    return sentences


def synthetic_texts(size: int, sentences: list[str], seed: int = 7) -> list[str]:
    """Return `size` entries of eight demo sentences each, drawn at random."""
    pick = random.Random(seed).choices
    return [" ".join(pick(sentences, k=8)) for _ in range(size)]


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages, so a noisy run shows itself."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def timed(work: Callable[[], object]) -> float:
    """Return the seconds one call takes."""
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def query_ms(index: LexicalIndex, query: str, view_of: Callable[[], object], repeats: int = 15) -> tuple[float, float]:
    """Return (first, median of the next) milliseconds of scoring a query with a freshly made view."""
    view = view_of()
    first = timed(lambda: index.score_arrays(query, view)) * 1000  # type: ignore[arg-type]
    warm = [timed(lambda: index.score_arrays(query, view)) * 1000 for _ in range(repeats)]  # type: ignore[arg-type]
    return first, statistics.median(warm)


def main() -> None:
    """Measure and print the two costs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--anonymous", type=float, default=0.2, help="share of entries with anonymous attribution")
    parser.add_argument("--visible", type=float, default=0.6, help="share of entries one audience may see")
    args = parser.parse_args()

    print("machine:", ", ".join(f"{k}={v}" for k, v in machine_info().items()))
    print("load average before: " + load_average())

    states = [(s["code"], s["name"]) for s in yaml.safe_load((ROOT / "fixtures" / "states.yaml").read_text())]
    terms = identifying_terms(PACKAGE_VOCABULARY_DIR, states)
    texts = synthetic_texts(args.size, demo_sentences())
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"entries: {args.size:,} of {words:.0f} words on average; {len(states)} states, "
          f"{sum(len(v) for v in terms.terms.values())} identifying terms")

    anonymous = texts[: int(args.size * args.anonymous)]
    tokenizer = LexicalIndex().tokenize
    sample = anonymous[:2000]
    redact_s = timed(lambda: [terms.redacted(t) for t in sample]) / len(sample)
    tokenize_s = timed(lambda: [tokenizer(t) for t in sample]) / len(sample)
    print("\nredaction (index time, once per anonymous entry and whenever the terms file changes)")
    print(f"  per entry: {redact_s * 1e3:.3f} ms redacting vs {tokenize_s * 1e3:.3f} ms tokenising for BM25 "
          f"({redact_s / tokenize_s:.1f} x)")
    print(f"  {len(anonymous):,} anonymous entries: {redact_s * len(anonymous):.1f} s; "
          f"all {args.size:,} if every entry were anonymous: {redact_s * args.size:.1f} s")

    index = LexicalIndex()
    build_s = timed(lambda: index.add_many(enumerate(texts)))
    redacted_s = timed(lambda: index.add_many((args.size + i, terms.redacted(t)) for i, t in enumerate(anonymous)))
    print(f"\nBM25 index: {args.size:,} raw documents in {build_s:.1f} s; the {len(anonymous):,} redacted twins "
          f"add {redacted_s:.1f} s ({redacted_s / build_s * 100:.0f} %)")

    visible = np.asarray(sorted(random.Random(3).sample(range(args.size), int(args.size * args.visible))),
                         dtype=np.int64)
    view_s = timed(lambda: index.view(visible))
    print("\nper-audience statistics (made once per audience and change, then cached)")
    print(f"  view of {len(visible):,} visible documents: {view_s * 1e3:.1f} ms to make")
    for name, query in ((f"short query ({len(SHORT_QUERY.split())} words)", SHORT_QUERY),
                        (f"long query ({len(LONG_QUERY.split())} words)", LONG_QUERY)):
        everything = query_ms(index, query, index.everything)
        audience = query_ms(index, query, lambda: index.view(visible))
        print(f"  {name}: over everything {everything[0]:.1f} ms first / {everything[1]:.1f} ms warm; "
              f"over the audience {audience[0]:.1f} ms first / {audience[1]:.1f} ms warm "
              f"({audience[1] / everything[1]:.2f} x warm)")
    print("load average after: " + load_average())


if __name__ == "__main__":
    main()
