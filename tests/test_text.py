"""Normalisation: what the grader treats as the same word, and what it must keep apart."""

from __future__ import annotations

import pytest

from bot.domain.text import NEGATION, tokenize


def terms(text: str) -> list[str]:
    return [t.term for t in tokenize(text)]


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("overfit", "overfitting"),
        ("overfits", "overfitting"),
        ("regularisation", "regularization"),
        ("normalised", "normalized"),
        ("labelled", "labeled"),
        ("neighbours", "neighbors"),
        ("semi-supervised", "semisupervised"),
        ("semi supervised", "semi-supervised"),
        ("hyper-parameters", "hyperparameter"),
        ("Naïve", "naive"),
        ("OVERFITTING", "overfitting"),
    ],
)
def test_spelling_variants_normalise_alike(left: str, right: str) -> None:
    """British/American spelling, inflection, case, accents and joined prefixes do not matter."""
    assert terms(left) == terms(right)


@pytest.mark.parametrize("word", ["supervised", "noise", "precise", "otherwise"])
def test_words_that_merely_end_in_ise_are_not_rewritten(word: str) -> None:
    """'supervised' must not become 'supervized': only real -ise/-ize verbs are americanised."""
    assert terms(word) != [] and "iz" not in terms(word)[0]


def test_l1_and_l2_stay_distinct() -> None:
    """Terms with digits are kept exactly, so L1 is never L2."""
    assert terms("L1") != terms("L2")


def test_stopwords_dropped_but_negation_kept() -> None:
    """Function words vanish; a negation becomes a token and marks what follows in its clause."""
    tokens = tokenize("The model does not overfit, and it generalises")
    assert [t.term for t in tokens] == ["model", NEGATION, "overfit", "general"]
    negated = {t.term: t.negated for t in tokens if t.term != NEGATION}
    assert negated == {"model": False, "overfit": True, "general": False}  # a comma ends the scope


def test_contractions_negate() -> None:
    """ "doesn't" and "can't" are negations."""
    assert NEGATION in terms("it doesn't converge")
    assert NEGATION in terms("you can't use accuracy")


def test_not_only_is_not_a_negation() -> None:
    """ "not only X but also Y" affirms X."""
    tokens = tokenize("It not only reduces variance but also bias")
    assert all(not t.negated for t in tokens)


def test_token_spans_point_at_the_original_words() -> None:
    """Each token knows which characters of the input it came from, for quoting back."""
    text = "Regularisation ADDS a penalty"
    assert [text[t.start : t.end] for t in tokenize(text)] == ["Regularisation", "ADDS", "penalty"]
