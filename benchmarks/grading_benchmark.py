"""Measure the grader honestly, beside two baselines computed in the same run.

    python benchmarks/grading_benchmark.py [--only STUDY,...] [--repo PATH] [--before PATH]

Studies (all by default; ``--only devset2`` or ``--only devset,latency`` picks some):

``devset``
    the labelled development set (tests/data/devset.jsonl): Spearman correlation of
    score with the human 0-5 grade, and the mean score by kind of answer, beside exact
    keyword overlap and tf-idf cosine.
``devset2``
    the second development set, written independently, when the lead has put it in
    tests/data (``devset2.jsonl``, bank questions; ``devset2_reference.jsonl``, plain
    reference answers). Never tune on it: it is reported, not read, while developing.
``devset3``
    the third development set, written independently for development
    (``devset3.jsonl``, bank questions; ``devset3_reference.jsonl``, plain reference
    answers), in the same format and with the same report as ``devset2``.
``devset4``
    the fourth development set, written independently and only reported, never read while
    developing (``devset4.jsonl``: short plain answers, ``plain`` and ``plain_tech``, beside
    confident wrong ones on 53 questions no other set uses; ``devset4_reference.jsonl``).
``devset5``
    the fifth development set (``devset5_reference.jsonl``), written independently for
    developing reference mode: correct answers that use negation, and wrong ones that flip a
    negation or direction while reusing the reference's words.
``cases``
    the grader's own development cases (tests/data/grader_cases.jsonl), in the same
    format and with the same report as ``devset2``.
``semeval``
    SemEval-2013 Task 7, 2-way, reference-answer mode: a threshold is chosen on each
    corpus's training split (maximising macro-F1 there), then macro-F1 of correct vs
    not correct is reported on every test split and their mean.
``latency``
    grading latency per answer (p50, p99) and answers per second on one core.

For a labelled set in the ``devset2`` format the report gives, per file: Spearman, the
mean score by kind with the mean human grade beside it, and how often a plain correct
answer beats the confidently wrong one on the same question by at least 0.2 (with the
plain answers judged off-topic); for reference-mode items also Pearson and how often a
paraphrase beats the word-reusing wrong answer on the same item.

``--repo PATH`` grades with another checkout's grader and bank (its ``bot`` package),
still reading the labelled data of this checkout. ``--before PATH`` runs the same
studies with that checkout's grader in a subprocess first and prints every figure as
before -> after, e.g. ``--before ../main --only devset2``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = ROOT / "tests" / "data"
DEVSET = DATA / "devset.jsonl"
LABELLED: dict[str, tuple[str, tuple[str, ...]]] = {
    "devset2": ("Second development set", ("devset2.jsonl", "devset2_reference.jsonl")),
    "devset3": ("Third development set", ("devset3.jsonl", "devset3_reference.jsonl")),
    "devset4": ("Fourth development set", ("devset4.jsonl", "devset4_reference.jsonl")),
    "devset5": ("Fifth development set", ("devset5_reference.jsonl",)),
    "cases": ("Grader development cases", ("grader_cases.jsonl",)),
}
"""The studies in the ``devset2`` format: title and files under tests/data."""
STUDIES = ("devset", *LABELLED, "semeval", "latency")
CORRECT_KINDS = frozenset({"excellent", "good_typos", "terse_right", "partial"})
"""Dev-set kinds written to be correct, if incomplete: what the score curve is fitted on."""
PLAIN_REFERENCE = False
PAIR_MARGIN = 0.2
"""A plain correct answer should beat the confidently wrong one on its question by this much."""

# Scores are compared before and after with different code, so each study returns plain data.
Result = dict[str, Any]
# A scorer maps (question, references, answer) to a number; higher means better.
Scorer = Callable[[str, Sequence[str], str], float]

_WORD = re.compile(r"[a-z0-9]+")
_STOPWORDS: frozenset[str] = frozenset()  # set from the grader's own list once it is imported


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]


# ---- baselines -------------------------------------------------------------------------------


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


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Pearson's linear correlation (0 when either side is constant)."""
    if len(xs) < 2:
        return 0.0
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    cov = sum((a - mx) * (b - my) for a, b in zip(xs, ys, strict=True))
    sx = math.sqrt(sum((a - mx) ** 2 for a in xs))
    sy = math.sqrt(sum((b - my) ** 2 for b in ys))
    return cov / (sx * sy) if sx and sy else 0.0


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Spearman's rank correlation, ties given their average rank."""
    return pearson(_ranks(xs), _ranks(ys))


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


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The objects of a JSON Lines file."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---- the grader under test ---------------------------------------------------------------------


def bot_module(name: str) -> Any:
    """``bot.domain.<name>`` of the checkout under test, or ``bot.core.<name>`` in checkouts from
    before the layers had folders (``--before`` runs an older checkout's grader).

    The folder is chosen by looking, not by trying the import: an editable install of this
    project would otherwise serve ``bot.domain`` from the installed checkout to an older one.
    """
    import bot

    layer = "domain" if (Path(bot.__path__[0]) / "domain").is_dir() else "core"
    return importlib.import_module(f"bot.{layer}.{name}")


class System:
    """The bank and grader of one checkout, used only through calls every version has."""

    def __init__(self) -> None:
        load_bank = bot_module("bank").load_bank
        Grader = bot_module("grading").Grader  # noqa: N806 - the class, under its own name

        self.bank = load_bank()
        self.grader = self.bank.make_grader()
        # Reference mode as ``python -m bot grade`` runs it: the bank's grader (glossary, vocabulary
        # and, where the checkout has them, contrasts and term weights). ``--plain-reference``
        # grades with the glossary alone, as this benchmark did before.
        self.reference_grader = Grader(self.bank.glossary) if PLAIN_REFERENCE else self.grader

    def score(self, row: dict[str, Any]) -> float | None:
        """The grade of a labelled line: a bank question, or a plain reference (None if unknown)."""
        if "question_id" in row:
            question = self.bank.get(row["question_id"])
            if question is None:
                return None
            return float(self.grader.grade(question, row["answer"]).score)
        refs = row["reference"]
        references = [refs] if isinstance(refs, str) else list(refs)
        return float(self.reference_grader.grade_reference(row["question"], references, row["answer"]).score)


# ---- the studies -------------------------------------------------------------------------------


def devset_study(system: System) -> Result:
    """Spearman and mean score by kind on tests/data/devset.jsonl, with the baselines."""
    bank = system.bank
    rows = [r for r in read_jsonl(DEVSET) if bank.get(r["question_id"]) is not None]
    corpus = [t for q in bank.questions for t in (q.question, *q.example_answers)]
    tfidf = TfIdfCosine(corpus)
    baselines: dict[str, Scorer] = {"keyword_overlap": keyword_overlap, "tfidf_cosine": tfidf}
    grades = [float(r["grade"]) for r in rows]
    scores: dict[str, list[float]] = {"grader": [system.score(r) or 0.0 for r in rows]}
    for name, scorer in baselines.items():
        scores[name] = [
            scorer(bank.by_id[r["question_id"]].question, bank.by_id[r["question_id"]].example_answers, r["answer"])
            for r in rows
        ]
    print(f"\n== Development set: {len(rows)} answers to {len({r['question_id'] for r in rows})} bank questions ==")
    print(f"{'system':<18}{'Spearman':>10}")
    spearmans = {name: spearman(values, grades) for name, values in scores.items()}
    for name, value in spearmans.items():
        print(f"{name:<18}{value:>10.3f}")
    kinds = _by_kind(rows, scores)
    print(f"\nmean score by kind of answer (human grade 0-5 beside it)\n{'kind':<16}{'grade':>7}", end="")
    print("".join(f"{name:>18}" for name in scores))
    for kind, row in kinds.items():
        print(f"{kind:<16}{row['grade']:>7.2f}" + "".join(f"{row[name]:>18.3f}" for name in scores))
    return {"spearman": spearmans["grader"], "baselines": spearmans, "kinds": kinds}


def _by_kind(rows: Sequence[dict[str, Any]], scores: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    """Mean human grade and mean score of each system, by kind, best human grade first."""
    grouped: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(rows):
        grouped[str(r["kind"])].append(i)
    table = {
        kind: {
            "grade": statistics.fmean(float(rows[i]["grade"]) for i in members),
            "n": float(len(members)),
            **{name: statistics.fmean(values[i] for i in members) for name, values in scores.items()},
        }
        for kind, members in grouped.items()
    }
    return dict(sorted(table.items(), key=lambda item: -item[1]["grade"]))


def labelled_study(system: System, title: str, paths: Sequence[Path]) -> Result:
    """The ``devset2`` report for labelled files: bank-question lines and reference lines apart."""
    rows = [r for path in paths if path.is_file() for r in read_jsonl(path)]
    result: Result = {}
    for mode, chosen in (
        ("bank", [r for r in rows if "question_id" in r]),
        ("reference", [r for r in rows if "question_id" not in r]),
    ):
        scored = [(r, s) for r in chosen if (s := system.score(r)) is not None]
        if not scored:
            continue
        unknown = len(chosen) - len(scored)
        kept = [r for r, _ in scored]
        scores = [s for _, s in scored]
        grades = [float(r["grade"]) for r in kept]
        unknown_note = f" ({unknown} to unknown questions)" if unknown else ""
        print(f"\n== {title}, {mode} mode: {len(kept)} answers{unknown_note}")
        part: Result = {"n": len(kept), "spearman": spearman(scores, grades), "pearson": pearson(scores, grades)}
        print(f"Spearman {part['spearman']:.3f}   Pearson {part['pearson']:.3f}")
        part["kinds"] = _by_kind(kept, {"grader": scores})
        print(f"{'kind':<16}{'n':>4}{'grade':>8}{'score':>8}")
        for kind, row in part["kinds"].items():
            print(f"{kind:<16}{int(row['n']):>4}{row['grade']:>8.2f}{row['grader']:>8.3f}")
        bank_mode = mode == "bank"
        key = "question_id" if bank_mode else "reference"
        rights, wrong = (("plain", "plain_tech"), "wrong_fluent") if bank_mode else (("paraphrase",), "wrong_reuse")
        right = "/".join(k for k in rights if any(r["kind"] == k for r in kept))
        margin = PAIR_MARGIN if bank_mode else 0.0
        wins, pairs = _pairs(kept, scores, key, (rights, wrong), margin)
        part["pairs"] = [wins, pairs]
        beat = f"beats {wrong} on the same {'question' if bank_mode else 'item'}"
        print(f"{right} {beat}" + (f" by >= {margin}" if margin else "") + f" in {wins} of {pairs}", end="")
        if bank_mode:
            off = sum(1 for r, s in scored if r["kind"] in rights and s == 0.0)
            off_topic = sum(1 for r in kept if r["kind"] in rights and _verdict(system, r) == "off-topic")
            part["right_off_topic"] = off_topic
            print(f", and {right} answers judged off-topic: {off_topic} (scored 0: {off})")
        else:
            print()
        result[mode] = part
    if not result:
        print(f"\n== {title}: no data ({', '.join(str(p) for p in paths)} missing) ==")
    return result


def _verdict(system: System, row: dict[str, Any]) -> str:
    question = system.bank.get(row["question_id"])
    assert question is not None
    return str(system.grader.grade(question, row["answer"]).verdict.value)


def _pairs(
    rows: Sequence[dict[str, Any]],
    scores: Sequence[float],
    key: str,
    kinds: tuple[tuple[str, ...], str],
    margin: float,
) -> tuple[int, int]:
    """How many (right, wrong) pairs on the same item the right answer (of any of the right kinds)
    wins by more than the margin."""
    rights, wrong = kinds
    by_item: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r, s in zip(rows, scores, strict=True):
        by_item[json.dumps([r.get("question"), r[key]])][str(r["kind"])].append(s)
    wins = pairs = 0
    for by_kind in by_item.values():
        for good in (s for right in rights for s in by_kind.get(right, [])):
            for bad in by_kind.get(wrong, []):
                pairs += 1
                wins += good - bad >= margin if margin else good > bad
    return wins, pairs


def semeval_study(system: System, root: Path) -> Result:
    """Macro-F1 on the SemEval-2013 Task 7 test splits, thresholds from the training splits."""
    from semeval import TEST_SPLITS, test_split, training

    print("\n== SemEval-2013 Task 7, 2-way, reference-answer mode (threshold chosen on training) ==")
    results: dict[str, list[float]] = defaultdict(list)
    splits: dict[str, float] = {}
    header = f"{'split':<38}{'n':>6}" + "".join(f"{n:>18}" for n in ("grader", "keyword_overlap", "tfidf_cosine"))
    print(header)
    for corpus in ("beetle", "sciEntsBank"):
        train = training(root, corpus)
        tfidf = TfIdfCosine([t for item in train for t in (item.answer, *item.references)])
        systems: dict[str, Scorer] = {
            "grader": lambda q, r, a: float(system.reference_grader.grade_reference(q, r, a).score),
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
            items = test_split(root, corpus, split)
            row = f"{corpus + '/' + split:<38}{len(items):>6}"
            for name, scorer in systems.items():
                predicted = [scorer(i.question, i.references, i.answer) >= thresholds[name] for i in items]
                f1 = macro_f1([i.correct for i in items], predicted)
                results[name].append(f1)
                if name == "grader":
                    splits[f"{corpus}/{split}"] = f1
                row += f"{f1:>18.3f}"
            print(row)
    means = {name: statistics.fmean(v) for name, v in results.items()}
    print(f"{'mean macro-F1 over the 5 test splits':<44}" + "".join(f"{m:>18.3f}" for m in means.values()))
    print("(task paper: lexical-overlap baseline mean 0.682, best system 0.720)")
    return {"splits": splits, "mean": means["grader"], "baselines": means}


def _percentile(ordered: Sequence[float], share: float) -> float:
    """The value below which ``share`` of a sorted sample lies."""
    return ordered[int(len(ordered) * share)]


def latency_study(system: System, count: int) -> Result:
    """Per-answer grading time over the dev set's answers and the bank's example answers.

    Wall-clock p50 and p99, and beside them the same in CPU time of this thread, which time spent
    waiting for a core on a loaded machine does not inflate (``cpu_p50_ms``, ``cpu_p99_ms``).
    """
    bank, grader = system.bank, system.grader
    pairs = [(bank.by_id[r["question_id"]], r["answer"]) for r in read_jsonl(DEVSET) if r["question_id"] in bank.by_id]
    pairs += [(q, a) for q in bank.questions for a in q.example_answers]
    for q, a in pairs:  # compile every question once, as the running bot does
        grader.grade(q, a)
    timings = []
    cpu_timings = []
    start = time.perf_counter()
    for i in range(count):
        q, a = pairs[i % len(pairs)]
        c0 = time.thread_time_ns()
        t0 = time.perf_counter()
        grader.grade(q, a)
        timings.append(time.perf_counter() - t0)
        cpu_timings.append(time.thread_time_ns() - c0)
    elapsed = time.perf_counter() - start
    timings.sort()
    cpu_timings.sort()
    p50, p99 = (_percentile(timings, q) * 1000 for q in (0.5, 0.99))
    cpu_p50, cpu_p99 = (_percentile(cpu_timings, q) / 1e6 for q in (0.5, 0.99))
    print(f"\n== Latency: {count} gradings of {len(pairs)} distinct (question, answer) pairs, one core ==")
    print(f"p50 {p50:.3f} ms   p99 {p99:.3f} ms   max {timings[-1] * 1000:.3f} ms   {count / elapsed:,.0f} answers/s")
    print(f"CPU time: p50 {cpu_p50:.3f} ms   p99 {cpu_p99:.3f} ms   max {cpu_timings[-1] / 1e6:.3f} ms")
    return {"p50_ms": p50, "p99_ms": p99, "per_second": count / elapsed, "cpu_p50_ms": cpu_p50, "cpu_p99_ms": cpu_p99}


# ---- before and after --------------------------------------------------------------------------


def _flatten(result: Result, prefix: str = "") -> dict[str, float]:
    flat: dict[str, float] = {}
    for key, value in result.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + " / "))
        elif isinstance(value, list) and len(value) == 2:
            flat[name] = value[0] / value[1] if value[1] else 0.0
            flat[name + " (of)"] = float(value[1])
        elif isinstance(value, int | float):
            flat[name] = float(value)
    return flat


def print_comparison(before: Result, after: Result, before_label: str) -> None:
    """Mean score by kind before and after, with the human grade beside it, then every other figure."""
    print(f"\n== Before ({before_label}) -> after (this checkout) ==")
    for study, parts in after.items():
        for mode, part in parts.items() if study != "devset" else [("bank", parts)]:
            if not isinstance(part, dict) or "kinds" not in part:
                continue
            old_part = before.get(study, {}) if study == "devset" else before.get(study, {}).get(mode, {})
            old_kinds = old_part.get("kinds", {})
            print(f"\nmean score by kind, {study}" + (f" ({mode} mode)" if study != "devset" else ""))
            print(f"{'kind':<16}{'n':>5}{'grade':>8}{'before':>9}{'after':>9}")
            for kind, row in part["kinds"].items():
                old = old_kinds.get(kind, {}).get("grader")
                shown = f"{old:>9.3f}" if old is not None else f"{'-':>9}"
                print(f"{kind:<16}{int(row['n']):>5}{row['grade']:>8.2f}{shown}{row['grader']:>9.3f}")
    old_flat, new_flat = _flatten(before), _flatten(after)
    print("\nother figures")
    width = max((len(k) for k in new_flat), default=20) + 2
    for key in [*new_flat, *(k for k in old_flat if k not in new_flat)]:
        if "/ kinds /" in key or "/ baselines /" in key or key.endswith("/ n"):
            continue
        a = f"{old_flat[key]:.3f}" if key in old_flat else "-"
        b = f"{new_flat[key]:.3f}" if key in new_flat else "-"
        print(f"{key:<{width}}{a:>10} ->{b:>10}")


# ---- main --------------------------------------------------------------------------------------


def fit_curve() -> None:
    """Fit the exponent of ``score = coverage ** exponent`` to the first development set's grades.

    Least squares of the curve against grade / 5, over the answers written to be correct
    (excellent, with typos, terse, partial) with some coverage and no other adjustment (keyword
    list, incidental hit, on-subject floor): the curve says what a share of the right ideas is
    worth; wrong, vague and off-topic answers are the business of contradictions and floors.
    """
    CONTRADICTION_COST = bot_module("grading").CONTRADICTION_COST  # noqa: N806 - the constant's own name

    system = System()
    points = []
    for row in read_jsonl(DEVSET):
        question = system.bank.get(row["question_id"])
        if question is None:
            continue
        grade = system.grader.grade(question, row["answer"])
        total = sum(c.weight for c in question.concepts)
        raw = grade.coverage - CONTRADICTION_COST * sum(c.weight for c in grade.contradicted) / total
        if raw > 0 and not grade.notes and row["kind"] in CORRECT_KINDS:
            points.append((raw, row["grade"] / 5))
    best = min((sum((x ** (e / 100) - y) ** 2 for x, y in points), e / 100) for e in range(20, 101))
    print(f"fitted on {len(points)} answers: exponent {best[1]:.2f} (squared error {best[0]:.3f})")
    for exponent in (0.5, 0.6, 0.7, 1.0):
        error = sum((x**exponent - y) ** 2 for x, y in points)
        print(f"  exponent {exponent:.2f}: squared error {error:.3f}")


def run(studies: Sequence[str], semeval_root: Path, latency_answers: int) -> Result:
    """Run the chosen studies with the ``bot`` package on ``sys.path`` and return their figures."""
    global _STOPWORDS  # noqa: PLW0603 - the baselines share the grader's stopword list
    _STOPWORDS = bot_module("text").STOPWORDS
    import bot

    system = System()
    where = Path(bot.__file__).resolve().parents[1]
    print(f"grader from {where}; bank: {len(system.bank.questions)} questions in {len(system.bank.topics)} topics")
    results: Result = {}
    if "devset" in studies:
        results["devset"] = devset_study(system)
    for study, (title, files) in LABELLED.items():
        if study in studies:
            results[study] = labelled_study(system, title, [DATA / name for name in files])
    if "semeval" in studies:
        if semeval_root.is_dir():
            results["semeval"] = semeval_study(system, semeval_root)
        else:
            print(f"\n(SemEval data not found at {semeval_root}; skipped)")
    if "latency" in studies:
        results["latency"] = latency_study(system, latency_answers)
    return results


def main() -> int:
    sys.path.insert(0, str(HERE))
    from semeval import DEFAULT_ROOT

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(STUDIES), help=f"comma-separated studies ({', '.join(STUDIES)})")
    parser.add_argument("--repo", type=Path, help="grade with the bot package and bank of this checkout")
    parser.add_argument("--before", type=Path, help="also run with this checkout's grader and print before -> after")
    parser.add_argument("--json", type=Path, help="write the figures to this file as JSON")
    parser.add_argument("--plain-reference", action="store_true", help="reference mode with the glossary alone")
    parser.add_argument("--fit-curve", action="store_true", help="fit the score curve on the first dev set, then stop")
    parser.add_argument("--semeval", type=Path, default=DEFAULT_ROOT, help="SemEval-2013 Task 7 folder")
    parser.add_argument("--latency-answers", type=int, default=20_000)
    args = parser.parse_args()
    global PLAIN_REFERENCE  # noqa: PLW0603 - a switch read by System, set once here
    PLAIN_REFERENCE = args.plain_reference
    studies = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in studies if s not in STUDIES]
    if unknown:
        parser.error(f"unknown study {', '.join(unknown)}; choose from {', '.join(STUDIES)}")

    before: Result | None = None
    if args.before is not None:
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "before.json"
            command = [sys.executable, __file__, "--repo", str(args.before), "--json", str(out), "--only", args.only]
            command += ["--semeval", str(args.semeval), "--latency-answers", str(args.latency_answers)]
            command += ["--plain-reference"] if args.plain_reference else []
            print(f"== before: {args.before} ==", flush=True)
            subprocess.run(command, check=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
            before = json.loads(out.read_text(encoding="utf-8"))
        print("\n== after: this checkout ==")

    repo = (args.repo or ROOT).resolve()
    sys.path.insert(0, str(repo))
    if args.fit_curve:
        fit_curve()
        return 0
    results = run(studies, args.semeval, args.latency_answers)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    if before is not None:
        print_comparison(before, results, str(args.before))
    return 0


if __name__ == "__main__":
    sys.exit(main())
