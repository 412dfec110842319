"""The grader: coverage, tolerance, and the answers it must not reward."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.grading import Grader, Verdict
from bot.domain.models import Question

EXCELLENT_OWN_WORDS = (
    "It means putting a cost on large coefficients inside the loss, which stops the model from fitting noise "
    "and so reduces overfitting. With lasso the cost is the absolute value and some coefficients land exactly "
    "on zero, so it does feature selection. Ridge uses the squares; it shrinks every weight smoothly."
)


def test_example_answer_scores_full(grader: Grader, question: Question) -> None:
    """The bank's own example answer covers every concept and is strong."""
    grade = grader.grade(question, question.example_answers[0])
    assert grade.score >= 0.9
    assert grade.verdict is Verdict.STRONG
    assert grade.missed == ()


def test_paraphrase_with_synonyms_is_strong(grader: Grader, question: Question) -> None:
    """Glossary synonyms (lasso = L1, ridge = L2) and other wording still earn full credit."""
    grade = grader.grade(question, EXCELLENT_OWN_WORDS)
    assert grade.verdict is Verdict.STRONG, grade


@pytest.mark.parametrize(
    ("answer", "concept"),
    [
        ("It adds a penalty to the loss", "penalty added to the loss"),
        ("you penalize the weights", "penalty added to the loss"),
        ("regularisation helps to prevent overfiting", "reduces overfitting"),
        ("L1 makes the weights sparse", "L1 gives sparse weights (exact zeros)"),
        ("Lasso sets coefficients exactly to zero", "L1 gives sparse weights (exact zeros)"),
        ("weight decay shrinks them", "L2 shrinks weights smoothly"),
    ],
)
def test_concept_matching_is_tolerant(grader: Grader, question: Question, answer: str, concept: str) -> None:
    """Inflection, typos, word order and aliases all match a concept."""
    grade = grader.grade(question, answer)
    assert concept in [c.name for c in grade.covered]


def test_covered_concepts_quote_the_users_words(grader: Grader, question: Question) -> None:
    """Each covered concept carries the words of the answer that matched it."""
    answer = "Lasso drives some coefficients EXACTLY to zero."
    grade = grader.grade(question, answer)
    quotes = {c.name: c.quote for c in grade.covered}
    assert quotes["L1 gives sparse weights (exact zeros)"] == "Lasso drives some coefficients EXACTLY to zero"


@pytest.mark.parametrize(
    "answer",
    [
        "I don't know",
        "no idea, sorry",
        "",
        "   ",
        "It's a really important concept that helps the model perform better on data.",
        "What is regularisation, and how do L1 and L2 differ?",
        "A convolutional network slides filters over an image and pools the feature maps.",
    ],
)
def test_no_credit_for_non_answers(grader: Grader, question: Question, answer: str) -> None:
    """Don't-know, filler, the question pasted back and an answer to another question earn nothing."""
    grade = grader.grade(question, answer)
    assert grade.score == 0.0
    assert grade.verdict is Verdict.OFF_TOPIC


@pytest.mark.parametrize(
    "wrong",
    [
        "Regularisation adds a penalty to the loss to reduce overfitting. L2 drives weights to exactly zero "
        "and gives sparse models, while L1 shrinks them smoothly.",
        "A penalty on the loss prevents overfitting; ridge makes the weights sparse and lasso shrinks smoothly.",
    ],
)
def test_swapped_facts_lose_credit(grader: Grader, question: Question, wrong: str) -> None:
    """Right words with the facts swapped score clearly below the same answer stated correctly."""
    right = grader.grade(question, question.example_answers[0])
    grade = grader.grade(question, wrong)
    assert grade.contradicted
    assert grade.score < 0.5 * right.score


def test_correct_contrast_is_not_a_contradiction(grader: Grader, question: Question) -> None:
    """ "L1 gives exact zeros whereas L2 does not" must not trip the 'l2 exactly zero' contradiction."""
    answer = "L1 sets weights exactly to zero, whereas L2 does not set them exactly to zero; it shrinks them."
    grade = grader.grade(question, answer)
    assert grade.contradicted == ()


def test_negated_concept_is_not_covered(grader: Grader, question: Question) -> None:
    """Saying the opposite of a curated concept earns nothing for it, but costs nothing extra:
    only the bank's explicit contradiction phrases penalise (a candidate may rightly negate)."""
    grade = grader.grade(question, "Regularisation does not reduce overfitting.")
    assert "reduces overfitting" not in [c.name for c in grade.covered]
    assert grade.contradicted == ()


def test_negated_reference_concept_is_contradicted(grader: Grader) -> None:
    """In reference mode polarity is literal: "connected" against "not connected" counts against."""
    grade = grader.grade_reference("Why?", "The switch is not connected", "the switch is connected")
    assert [c.name for c in grade.contradicted] == ["connected"]


def test_keyword_list_scores_below_explained_answer(grader: Grader, question: Question) -> None:
    """A bare list of the right terms earns less than prose that explains them."""
    listed = grader.grade(question, "penalty loss, overfitting reduction, lasso sparse, ridge shrinks")
    explained = grader.grade(question, question.example_answers[0])
    assert "keyword-list" in listed.notes
    assert 0 < listed.score < 0.7 * explained.score


def test_hints_lower_the_best_reachable_score(grader: Grader, question: Question) -> None:
    """The same perfect answer scores less after each hint, but never below the floor."""
    scores = [grader.grade(question, question.example_answers[0], hints_used=h).score for h in range(6)]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > scores[1] > scores[2]
    assert scores[-1] >= 0.4 * scores[0] - 1e-9


def test_partial_answer_is_partial(grader: Grader, question: Question) -> None:
    """Half the ideas give a middling score and name what was missed."""
    grade = grader.grade(question, "It adds a penalty term to the loss function so the model does not overfit.")
    assert grade.verdict in {Verdict.WEAK, Verdict.PARTIAL}
    assert "L1 gives sparse weights (exact zeros)" in grade.missed


def test_reference_mode_derives_concepts(grader: Grader) -> None:
    """With only a reference answer, its content words become the concepts."""
    question = "Why did the bulb not light?"
    reference = "The bulb was not in a closed path with the battery."
    good = grader.grade_reference(question, reference, "because the bulb was not in a closed path with the battery")
    partial = grader.grade_reference(question, reference, "it was not in a closed path")
    off = grader.grade_reference(question, reference, "I like turtles")
    assert good.score > partial.score > off.score
    assert off.verdict is Verdict.OFF_TOPIC


def test_reference_mode_respects_negation(grader: Grader) -> None:
    """ "connected" does not match a reference that says "not connected", and vice versa."""
    question = "Why was the voltage 1.5?"
    reference = "Terminal 1 and the positive terminal are not connected."
    agrees = grader.grade_reference(question, reference, "the positive terminal is not connected to terminal 1")
    opposite = grader.grade_reference(question, reference, "the positive terminal is connected to terminal 1")
    assert agrees.score > opposite.score


def test_reference_mode_takes_the_best_reference(grader: Grader) -> None:
    """With several references, matching any one of them fully is enough."""
    refs = ["The water evaporated, leaving the salt.", "We filtered the sand out."]
    assert (
        grader.grade_reference("How did you separate the salt?", refs, "the water evaporated leaving salt").score == 1
    )


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_unicode_is_handled_and_score_is_bounded(answer: str) -> None:
    """Whatever the input, grading returns a score in [0, 1] without raising."""
    from tests.conftest import GLOSSARY, REGULARISATION

    grade = Grader(GLOSSARY).grade(REGULARISATION, answer)
    assert 0.0 <= grade.score <= 1.0
    assert {c.name for c in grade.covered}.isdisjoint(grade.missed)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=5))
def test_adding_a_missed_concepts_words_never_lowers_the_score(answer: str, pick: int, hints: int) -> None:
    """Appending the words of a concept the answer missed can only keep or raise the score."""
    from tests.conftest import GLOSSARY, REGULARISATION

    grader = Grader(GLOSSARY)
    before = grader.grade(REGULARISATION, answer, hints_used=hints)
    concept = REGULARISATION.concepts[pick]
    if concept.name not in before.missed:
        return
    after = grader.grade(REGULARISATION, f"{answer}\n{concept.aliases[0]}.", hints_used=hints)
    assert after.score >= before.score


def test_a_reloaded_question_is_graded_by_its_new_concepts(grader: Grader, question: Question) -> None:
    """After a bank reload the same id may carry new concepts; the grader must not reuse the old ones."""
    answer = "It adds a penalty to the loss."
    before = grader.grade(question, answer)
    renamed = tuple(replace(c, name=f"{c.name} (v2)") for c in question.concepts)
    after = grader.grade(replace(question, concepts=renamed), answer)
    assert [c.name for c in before.covered] == ["penalty added to the loss"]
    assert [c.name for c in after.covered] == ["penalty added to the loss (v2)"]
