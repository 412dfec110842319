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


@pytest.mark.parametrize(
    ("written", "as_alias"),
    [
        ("self-attention", "self attention"),
        ("co-training", "co training"),
        ("self-supervised", "self supervised"),
        ("co-adapt", "co adapt"),
        ("semi-supervised", "semi supervised"),
    ],
)
def test_hyphenated_prefix_and_spaced_alias_are_one_term(written: str, as_alias: str) -> None:
    """Regression: "self-attention" became one token while the bank's alias "self attention" stayed
    two, so about 47 aliases could never match; both spellings are now the same term."""
    assert terms(written) == terms(as_alias)
    assert len(terms(written)) == 1


def test_a_decimal_point_does_not_end_a_sentence() -> None:
    """ "0.5" is one word: "an AUC of 0.5 is random" is one sentence, so the alias "0.5 random" can match."""
    tokens = tokenize("An AUC of 0.5 is random. Next")
    assert [t.term for t in tokens][:3] == ["auc", "0.5", "random"]
    assert tokens[0].sentence == tokens[2].sentence != tokens[3].sentence


def test_a_parenthesised_aside_stays_in_its_clause() -> None:
    """ "L2 (ridge) drives weights to zero" is one statement about L2: the aside is marked, the clause goes on."""
    tokens = tokenize("L2 (ridge, i.e. weight decay) drives the weights to zero")
    by_term = {t.term: t for t in tokens}
    assert by_term["ridg"].aside and not by_term["l2"].aside and not by_term["zero"].aside
    assert by_term["l2"].clause == by_term["zero"].clause == by_term["ridg"].clause


@pytest.mark.parametrize(
    ("text", "denied"),
    [
        ("It memorises noise instead of the pattern.", "pattern"),
        ("It uses running averages rather than batch statistics.", "batch"),
        ("Fix it by removing regularisation.", "regular"),
        ("I would ignore the segments.", "segment"),
        ("Feature scaling doesn't matter.", "scale"),
        ("Scaling is not needed for trees.", "scale"),
        ("Pruning is unnecessary.", "prune"),
        ("Precision and recall aren't really needed here.", "precis"),
    ],
)
def test_denials_negate_the_words_they_deny(text: str, denied: str) -> None:
    """ "instead of", "rather than", "remove" and "ignore" deny what follows; "doesn't matter",
    "isn't needed" and "unnecessary" deny what comes before."""
    negated = {t.term: t.negated for t in tokenize(text) if t.term != NEGATION}
    assert negated[denied]


def test_a_later_denial_stops_at_a_clause_before_and() -> None:
    """ "the model overfits and regularisation is not needed" denies only regularisation: only a
    one-word coordinated subject ("precision and recall") is denied whole."""
    negated = {t.term: t.negated for t in tokenize("The model overfits and regularisation is not needed.")}
    assert negated["regular"] and not negated["overfit"]


def test_a_negation_in_quotes_ends_at_the_quote() -> None:
    """ "predicting 'not fraud' for everyone gives 99% accuracy" does not negate the accuracy."""
    negated = {t.term: t.negated for t in tokenize("predicting 'not fraud' for everyone gives 99% accuracy")}
    assert negated["fraud"] and not negated["accuraci"]


def test_comparatives_read_as_their_adjective_but_simpler_stays_apart() -> None:
    """ "higher variance" is "high variance"; "a simpler model" (a fix for overfitting) is not "too simple"."""
    assert terms("higher variance") == terms("high variance")
    assert terms("closest points") == terms("close points")
    assert terms("simpler") != terms("simple")


def test_nobody_negates_what_follows() -> None:
    """ "nobody writes the rules by hand" denies writing rules, as "no one" would."""
    negated = {t.term for t in tokenize("In machine learning nobody writes the rules by hand.") if t.negated}
    assert {"write", "rule"} <= negated
