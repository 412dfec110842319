"""Loading and validating the bank: the real bank passes; every kind of broken file is reported with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.bank import BankError, check_bank, load_bank, unguarded_concepts
from bot.domain.text import tokenize

SEED_QUESTION_IDS = {
    # the 30-question article, in its order, and its FAQ on AI vs ML vs DL
    "ml-types", "overfitting", "train-vs-test", "knn", "feature-engineering", "choose-algorithm", "svm-kernels",
    "recommendation-system", "kernel-svm", "dimensionality-reduction", "classification-vs-regression",
    "bias-variance", "evaluate-model", "regularization-l1-l2", "cross-validation", "imbalanced-classes",
    "confusion-matrix", "gans", "cnn", "rnn-time-series", "tune-rf-gbm", "rl-real-world", "dnn-limited-resources",
    "bagging-vs-boosting", "semi-supervised", "curse-of-dimensionality", "parametric-vs-nonparametric",
    "implement-recommender", "roc-auc", "transfer-learning", "ai-ml-dl",
    # the blog article
    "multicollinearity", "high-accuracy-complaints", "precision-vs-recall", "accuracy-imbalanced",
    "train-good-production-poor", "decision-tree-pros-cons",
    # the algorithms, metrics and business cases it lists
    "linear-regression", "logistic-regression", "random-forest", "svm-basics", "gradient-boosting", "nn-basics",
    "fraud-detection", "demand-forecasting", "personalization",
}  # fmt: skip

GOOD_QUESTION = """\
  - id: sample-question
    kind: conceptual
    difficulty: 2
    question: What does a confusion matrix show?
    why_asked: Whether you can read classification errors.
    how_to_answer: Name the four cells and what each means.
    example_answers:
      - >-
        It is a table of predicted against actual classes: true positives and true negatives are the
        correct predictions, false positives are negatives flagged as positive and false negatives are
        positives the model missed.
    concepts:
      - name: predicted against actual
        aliases: [predicted actual, predictions versus labels]
      - name: true positives and negatives
        aliases: [true positives, true negatives]
      - name: false positives
        aliases: [false positives, negatives flagged]
      - name: false negatives
        aliases: [false negatives, positives missed]
    hints:
      - Think of a two by two table.
      - Rows are the real classes.
"""


def write_topic(tmp_path: Path, body: str, name: str = "sample.yaml") -> Path:
    path = tmp_path / name
    path.write_text("topic: sample\ntitle: Sample\nquestions:\n" + body, encoding="utf-8")
    (tmp_path / "glossary.yaml").write_text("- [true positive, tp]\n", encoding="utf-8")
    return path


def messages(tmp_path: Path, body: str) -> list[str]:
    _, issues = check_bank([write_topic(tmp_path, body)])
    return [str(i) for i in issues]


def test_the_real_bank_is_valid_and_big_enough() -> None:
    """`bank check` passes on the shipped bank, with at least 80 questions of at least 4 concepts each."""
    bank = load_bank()
    assert len(bank.questions) >= 80
    assert all(len(q.concepts) >= 4 and len(q.hints) >= 2 for q in bank.questions)


def test_every_seed_question_is_in_the_bank() -> None:
    """Every question the seed articles ask has a bank question."""
    bank = load_bank()
    assert SEED_QUESTION_IDS - set(bank.by_id) == set()


def test_bank_spreads_kinds_and_difficulties() -> None:
    """A round can mix all five kinds and all three levels; every behavioural-topic question is behavioural."""
    bank = load_bank()
    assert {q.kind.value for q in bank.questions} == {"conceptual", "applied", "coding", "case-study", "behavioural"}
    assert {q.difficulty for q in bank.questions} == {1, 2, 3}
    assert {q.kind.value for q in bank.in_topic("behavioural")} == {"behavioural"}


def test_a_good_file_passes(tmp_path: Path) -> None:
    """The fixture question itself is valid, so the failures below are caused by each edit."""
    assert messages(tmp_path, GOOD_QUESTION) == []


@pytest.mark.parametrize(
    ("edit", "line", "expected"),
    [
        (("difficulty: 2", "difficulty: 5"), 6, "'difficulty' must be 1, 2 or 3"),
        (("kind: conceptual", "kind: trivia"), 5, "'kind' must be one of"),
        (("why_asked: Whether you can read classification errors.", "why_asked: ''"), 8, "'why_asked' is missing"),
        (("      - Rows are the real classes.\n", ""), 24, "'hints' needs at least 2"),
        (("id: sample-question", "id: Sample Question!"), 4, "invalid 'id'"),
        (("    hints:", "    colour: blue\n    hints:"), 24, "unknown field 'colour'"),
        (("aliases: [false negatives, positives missed]", "aliases: [42]"), 23, "alias 42 is not text"),
        (("aliases: [predicted actual, predictions versus labels]", "aliases: [confusion matrix]"), 17,
         "only repeats words of the question"),
        (("aliases: [false negatives, positives missed]", "aliases: [recall at k]"), 22,
         "'false negatives' is not matched by any example answer"),
    ],
)  # fmt: skip
def test_broken_question_is_reported_with_its_line(
    tmp_path: Path, edit: tuple[str, str], line: int, expected: str
) -> None:
    """Each kind of mistake gives a message naming file, line and question id."""
    body = GOOD_QUESTION.replace(*edit)
    assert body != GOOD_QUESTION
    found = messages(tmp_path, body)
    matching = [m for m in found if expected in m]
    assert matching, found
    assert matching[0].startswith(f"{tmp_path / 'sample.yaml'}:{line}: [") or matching[0].startswith(
        f"sample.yaml:{line}: ["
    ), matching[0]


def test_too_few_concepts(tmp_path: Path) -> None:
    """A question needs at least four concepts."""
    body = GOOD_QUESTION.split("      - name: false positives", maxsplit=1)[0] + "    hints: [a, b]\n"
    assert any("needs at least 4 concepts" in m for m in messages(tmp_path, body))


def test_example_answer_below_threshold(tmp_path: Path) -> None:
    """An example answer that misses concepts scores under 0.9 and is reported."""
    extra = "      - >-\n        It is a table of predicted against actual classes.\n    concepts:"
    body = GOOD_QUESTION.replace("    concepts:", extra, 1)
    assert any("example answer scores" in m and "< 0.9" in m for m in messages(tmp_path, body))


def test_example_answer_tripping_a_contradiction(tmp_path: Path) -> None:
    """A `contradicts` phrase that the question's own example answer states is reported."""
    body = GOOD_QUESTION.replace(
        "aliases: [false positives, negatives flagged]",
        "aliases: [false positives, negatives flagged]\n        contradicts: [true negatives correct]",
    )
    assert any("example answer contradicts 'false positives'" in m for m in messages(tmp_path, body))


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    """The same id in two files is reported at the second one, naming the first."""
    first = write_topic(tmp_path, GOOD_QUESTION, "a.yaml")
    second = tmp_path / "b.yaml"
    second.write_text("topic: other\ntitle: Other\nquestions:\n" + GOOD_QUESTION, encoding="utf-8")
    _, issues = check_bank([first, second])
    assert [i.message for i in issues if "duplicate id" in i.message] == [f"duplicate id (first defined at {first}:4)"]


def test_duplicate_yaml_key_is_reported(tmp_path: Path) -> None:
    """YAML would silently keep the last of two equal keys; the checker refuses."""
    body = GOOD_QUESTION.replace("    difficulty: 2\n", "    difficulty: 2\n    difficulty: 3\n")
    assert any(":7: duplicate key 'difficulty'" in m for m in messages(tmp_path, body))


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    """A syntax error points at the line where the parser gave up."""
    body = GOOD_QUESTION.replace("    question: What does a confusion matrix show?", "    question: [unclosed")
    found = messages(tmp_path, body)
    assert len(found) == 1 and "invalid YAML" in found[0]
    assert ":8:" in found[0]


def test_load_bank_raises_with_every_problem(tmp_path: Path) -> None:
    """The bot refuses a broken bank: load_bank raises BankError listing the problems."""
    path = write_topic(
        tmp_path, GOOD_QUESTION.replace("difficulty: 2", "difficulty: 0").replace("kind: conceptual", "kind: x")
    )
    with pytest.raises(BankError) as caught:
        load_bank([path])
    assert len(caught.value.issues) == 2


def test_glossary_phrase_in_two_groups(tmp_path: Path) -> None:
    """A phrase may belong to one synonym group only."""
    path = write_topic(tmp_path, GOOD_QUESTION)
    (tmp_path / "glossary.yaml").write_text("- [ridge, l2]\n- [lasso, l1]\n- [l2 penalty, ridge]\n", encoding="utf-8")
    _, issues = check_bank([path])
    assert [(i.line, i.message) for i in issues] == [(3, "phrase 'ridge' is already in the group 'ridge' (line 1)")]


def test_missing_file(tmp_path: Path) -> None:
    """A path that does not exist is an error, not an empty bank."""
    _, issues = check_bank([tmp_path / "nope.yaml"])
    assert any("no such file" in str(i) for i in issues)


def test_an_alias_that_can_never_match_is_rejected(tmp_path: Path) -> None:
    """An answer saying exactly the alias must match it: 'not yet available' negates nothing ("yet" ends
    the clause), so no answer could ever earn it."""
    body = GOOD_QUESTION.replace(
        "aliases: [false negatives, positives missed]", "aliases: [false negatives, positives missed, not yet seen]"
    )
    found = messages(tmp_path, body)
    assert any("'not yet seen'" in m and "can never match" in m for m in found), found


def write_contrasts(tmp_path: Path, text: str) -> None:
    """Contrasts beside the topic's glossary, which names the four confusion-matrix cells."""
    (tmp_path / "contrasts.yaml").write_text(text, encoding="utf-8")


def with_cells_glossary(path: Path) -> Path:
    """Replace the sample glossary by one that makes each confusion-matrix cell one term."""
    cells = "- [true positive, tp]\n- [false positive, fp]\n- [false negative, fn]\n"
    (path.parent / "glossary.yaml").write_text(cells, encoding="utf-8")
    return path


def test_contrasts_are_read_beside_the_glossary(tmp_path: Path) -> None:
    """A contrasts file beside the glossary is loaded; a member phrase must come out as one term."""
    write_contrasts(tmp_path, "confusable:\n  - [true positive, [false positive, false alarm]]\n")
    bank, issues = check_bank([with_cells_glossary(write_topic(tmp_path, GOOD_QUESTION))])
    assert [i.message for i in issues] == [
        "'false alarm' is several terms (fals alarm): use one word, or a phrase the glossary makes one term"
    ]
    assert issues[0].line == 2
    assert bank is not None
    assert bank.contrasts.entity("=true_positive") is not None


def test_a_phrase_in_two_confusable_groups_is_an_error(tmp_path: Path) -> None:
    """An entity has one set of siblings."""
    write_contrasts(tmp_path, "confusable:\n  - [true positive, false negative]\n  - [false positive, true positive]\n")
    _, issues = check_bank([with_cells_glossary(write_topic(tmp_path, GOOD_QUESTION))])
    assert [i.message for i in issues] == ["'true positive' is already in the group 'true positive'"]


def test_an_example_answer_may_not_trip_a_structural_contradiction(tmp_path: Path) -> None:
    """Structure is checked like ``contradicts``: an example that says a concept only of its sibling is reported."""
    write_contrasts(tmp_path, "confusable:\n  - [false positive, false negative]\n")
    body = (
        GOOD_QUESTION.replace("false positives are negatives flagged as positive and ", "")
        .replace("positives the model missed", "negatives flagged as positive")
        .replace("      - name: false positives\n", "      - name: false positives flag negatives\n")
        .replace("aliases: [false positives, negatives flagged]", "aliases: [negatives flagged]")
    )
    _, issues = check_bank([with_cells_glossary(write_topic(tmp_path, body))])
    found = [str(i) for i in issues]
    assert any("example answer contradicts 'false positives flag negatives'" in m for m in found), found


def test_bank_check_lists_unguarded_two_sided_concepts(tmp_path: Path) -> None:
    """A concept whose aliases name one side of a confusable pair, with a name that does not and no
    ``contradicts``, is listed for review (not an error)."""
    write_contrasts(tmp_path, "confusable:\n  - [false positive, false negative]\n")
    body = GOOD_QUESTION.replace("      - name: false positives\n", "      - name: negatives flagged by mistake\n")
    bank, issues = check_bank([with_cells_glossary(write_topic(tmp_path, body))])
    assert issues == []
    assert bank is not None
    assert [i.message for i in unguarded_concepts(bank)] == [
        "concept 'negatives flagged by mistake' is two-sided and unguarded"
    ]


def test_everyday_words_are_read_beside_the_glossary(tmp_path: Path) -> None:
    """``everyday.yaml`` beside the glossary maps plain words to the bank's terms; it is not a topic file,
    every phrase must be one term, and when the whole folder is checked a term the bank never uses is
    an error (it could never match)."""
    (tmp_path / "everyday.yaml").write_text(
        "mistake: [positives]\ngoof up: [positives]\nslip: [hyperparameter]\n", encoding="utf-8"
    )
    write_topic(tmp_path, GOOD_QUESTION)
    bank, issues = check_bank([tmp_path])
    assert [(i.line, i.message) for i in issues] == [
        (2, "'goof up' is several terms (goof up): use one word, or a phrase the glossary makes one term"),
        (3, "'hyperparameter' is no term the bank uses: it can never match"),
    ]
    assert bank is not None
    assert bank.everyday.of("mistak") == ("posit",)
    # Checked with one topic file (as a deck is), the words are read but not held to its few terms.
    _, alone = check_bank([tmp_path / "sample.yaml"])
    assert [i.line for i in alone] == [2]


@pytest.mark.parametrize("said", ["sets", "rate", "over", "hand", "measures", "detection"])
def test_the_bank_s_own_common_words_stand_for_nothing_else(said: str) -> None:
    """An everyday word is read as its stem: "setting" would make every "set" a hyperparameter and
    "rating" every learning rate explicit feedback. The shipped file leaves such words out."""
    bank = load_bank(validate_grading=False)
    (term,) = [t.term for t in bank.glossary.canonicalize(tokenize(said))]
    assert bank.everyday.of(term) == ()
