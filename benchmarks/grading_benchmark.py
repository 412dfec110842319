"""Measure the grader honestly, beside two baselines computed in the same run.

    python benchmarks/grading_benchmark.py [--semeval PATH] [--latency-answers N]

Prints:
1. the labelled development set (tests/data/devset.jsonl): Spearman correlation of
   score with the human 0-5 grade, and the mean score by kind of answer;
2. SemEval-2013 Task 7, 2-way, reference-answer mode: a threshold is chosen on each
   corpus's training split (maximising macro-F1 there), then macro-F1 of correct vs
   not correct is reported on every test split and their mean;
3. the same figures for exact keyword overlap and tf-idf cosine;
4. grading latency per answer (p50, p99) and answers per second on one core.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from semeval import DEFAULT_ROOT, TEST_SPLITS, Item, test_split, training

from bot.domain.bank import Bank, load_bank
from bot.domain.grading import Grader
from bot.domain.text import STOPWORDS

DEVSET = Path(__file__).resolve().parents[1] / "tests" / "data" / "devset.jsonl"

# A scorer maps (question, references, answer) to a number; higher means better.
Scorer = Callable[[str, Sequence[str], str], float]


# ---- baselines -------------------------------------------------------------------------------

_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


def keyword_overlap(question: str, references: Sequence[str], answer: str) -> float:
    """Exact keyword overlap: share of a reference's content words found verbatim in the answer."""
    said = set(_words(answer))
    best = 0.0
    for ref in references:
        keys = set(_words(ref))
        if keys:
            best = max(best, len(keys & said) / len(keys))
    return best


class TfIdfCosine:
    """tf-idf cosine between answer and reference, idf fitted on a corpus of texts."""

    def __init__(self, corpus: Sequence[str]) -> None:
        df: Counter[str] = Counter()
        for text in corpus:
            df.update(set(_words(text)))
        n = len(corpus) or 1
        self.idf = {w: math.log((1 + n) / (1 + c)) + 1 for w, c in df.items()}
        self.default_idf = math.log(1 + n) + 1

    def _vector(self, text: str) -> dict[str, float]:
        counts = Counter(_words(text))
        return {w: c * self.idf.get(w, self.default_idf) for w, c in counts.items()}

    def __call__(self, question: str, references: Sequence[str], answer: str) -> float:
        a = self._vector(answer)
        norm_a = math.sqrt(sum(v * v for v in a.values()))
        best = 0.0
        for ref in references:
            r = self._vector(ref)
            norm_r = math.sqrt(sum(v * v for v in r.values()))
            if norm_a and norm_r:
                best = max(best, sum(v * r.get(w, 0.0) for w, v in a.items()) / (norm_a * norm_r))
        return best


# ---- statistics ------------------------------------------------------------------------------


def _ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman's rank correlation, ties given their average rank."""
    rx, ry = _ranks(xs), _ranks(ys)
    mx, my = statistics.fmean(rx), statistics.fmean(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    sx = math.sqrt(sum((a - mx) ** 2 for a in rx))
    sy = math.sqrt(sum((b - my) ** 2 for b in ry))
    return cov / (sx * sy) if sx and sy else 0.0


def macro_f1(truth: Sequence[bool], predicted: Sequence[bool]) -> float:
    """Mean of the F1 of the 'correct' class and of the 'not correct' class."""
    scores = []
    for cls in (True, False):
        tp = sum(1 for t, p in zip(truth, predicted, strict=True) if t == cls and p == cls)
        fp = sum(1 for t, p in zip(truth, predicted, strict=True) if t != cls and p == cls)
        fn = sum(1 for t, p in zip(truth, predicted, strict=True) if t == cls and p != cls)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return statistics.fmean(scores)


def best_threshold(scores: Sequence[float], truth: Sequence[bool]) -> float:
    """The threshold (score >= t means correct) that maximises macro-F1 on these items."""
    candidates = sorted(set(scores))
    best_t, best_f = 0.5, -1.0
    for t in candidates:
        f = macro_f1(truth, [s >= t for s in scores])
        if f > best_f:
            best_t, best_f = t, f
    return best_t


# ---- the three studies -----------------------------------------------------------------------


def devset_study(bank: Bank, grader: Grader, baselines: dict[str, Scorer]) -> None:
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if bank.get(r["question_id"]) is not None]
    grades = [float(r["grade"]) for r in rows]
    print(f"\n== Development set: {len(rows)} answers to {len({r['question_id'] for r in rows})} bank questions ==")
    systems: dict[str, Callable[[dict[str, object]], float]] = {
        "grader": lambda r: grader.grade(bank.by_id[str(r["question_id"])], str(r["answer"])).score,
    }
    for name, scorer in baselines.items():
        systems[name] = lambda r, s=scorer: s(  # type: ignore[misc]
            bank.by_id[str(r["question_id"])].question,
            bank.by_id[str(r["question_id"])].example_answers,
            str(r["answer"]),
        )
    by_kind: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    print(f"{'system':<18}{'Spearman':>10}")
    for name, score in systems.items():
        scores = [score(r) for r in rows]
        print(f"{name:<18}{spearman(scores, grades):>10.3f}")
        for r, s in zip(rows, scores, strict=True):
            by_kind[str(r["kind"])][name].append(s)
    kind_grade: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        kind_grade[str(r["kind"])].append(float(r["grade"]))
    print(f"\nmean score by kind of answer (human grade 0-5 beside it)\n{'kind':<16}{'grade':>7}", end="")
    for name in systems:
        print(f"{name:>18}", end="")
    print()
    for kind in sorted(kind_grade, key=lambda k: -statistics.fmean(kind_grade[k])):
        print(f"{kind:<16}{statistics.fmean(kind_grade[kind]):>7.2f}", end="")
        for name in systems:
            print(f"{statistics.fmean(by_kind[kind][name]):>18.3f}", end="")
        print()


def semeval_study(root: Path, grader: Grader) -> dict[str, list[float]]:
    print("\n== SemEval-2013 Task 7, 2-way, reference-answer mode (threshold chosen on training) ==")
    results: dict[str, list[float]] = defaultdict(list)
    header = f"{'split':<38}{'n':>6}" + "".join(f"{n:>18}" for n in ("grader", "keyword_overlap", "tfidf_cosine"))
    print(header)
    for corpus in ("beetle", "sciEntsBank"):
        train = training(root, corpus)
        tfidf = TfIdfCosine([t for item in train for t in (item.answer, *item.references)])
        systems: dict[str, Scorer] = {
            "grader": lambda q, r, a: grader.grade_reference(q, r, a).score,
            "keyword_overlap": keyword_overlap,
            "tfidf_cosine": tfidf,
        }
        thresholds = {}
        for name, scorer in systems.items():
            scores = [scorer(i.question, i.references, i.answer) for i in train]
            thresholds[name] = best_threshold(scores, [i.correct for i in train])
        print(f"{corpus + ' thresholds (from training)':<44}" + "".join(f"{t:>18.3f}" for t in thresholds.values()))
        for split_corpus, split in TEST_SPLITS:
            if split_corpus != corpus:
                continue
            items: list[Item] = test_split(root, corpus, split)
            row = f"{corpus + '/' + split:<38}{len(items):>6}"
            for name, scorer in systems.items():
                predicted = [scorer(i.question, i.references, i.answer) >= thresholds[name] for i in items]
                f1 = macro_f1([i.correct for i in items], predicted)
                results[name].append(f1)
                row += f"{f1:>18.3f}"
            print(row)
    print(
        f"{'mean macro-F1 over the 5 test splits':<44}"
        + "".join(f"{statistics.fmean(v):>18.3f}" for v in results.values())
    )
    print("(task paper: lexical-overlap baseline mean 0.682, best system 0.720)")
    return results


def latency_study(bank: Bank, grader: Grader, count: int) -> None:
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    pairs = [(bank.by_id[r["question_id"]], r["answer"]) for r in rows if r["question_id"] in bank.by_id]
    pairs += [(q, a) for q in bank.questions for a in q.example_answers]
    for q, a in pairs:  # compile every question once, as the running bot does
        grader.grade(q, a)
    timings = []
    start = time.perf_counter()
    for i in range(count):
        q, a = pairs[i % len(pairs)]
        t0 = time.perf_counter()
        grader.grade(q, a)
        timings.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    timings.sort()
    p50 = timings[len(timings) // 2] * 1000
    p99 = timings[int(len(timings) * 0.99)] * 1000
    print(f"\n== Latency: {count} gradings of {len(pairs)} distinct (question, answer) pairs, one core ==")
    print(f"p50 {p50:.3f} ms   p99 {p99:.3f} ms   max {timings[-1] * 1000:.3f} ms   {count / elapsed:,.0f} answers/s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--semeval", type=Path, default=DEFAULT_ROOT, help="SemEval-2013 Task 7 folder")
    parser.add_argument("--latency-answers", type=int, default=20_000)
    args = parser.parse_args()
    bank = load_bank()
    grader = bank.make_grader()
    print(f"bank: {len(bank.questions)} questions in {len(bank.topics)} topics")
    example_corpus = [t for q in bank.questions for t in (q.question, *q.example_answers)]
    devset_study(bank, grader, {"keyword_overlap": keyword_overlap, "tfidf_cosine": TfIdfCosine(example_corpus)})
    if args.semeval.is_dir():
        semeval_study(args.semeval, Grader(bank.glossary))
    else:
        print(f"\n(SemEval data not found at {args.semeval}; skipped)")
    latency_study(bank, grader, args.latency_answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
