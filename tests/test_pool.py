"""Question pools: a user's private decks join the bank, and imported ones are graded by today's rules."""

from __future__ import annotations

from bot.domain.bank import Bank, load_bank
from bot.domain.importer import IMPORTED_HEADER, build_questions, deck_to_yaml, parse_deck
from bot.domain.pool import QuestionPool, StoredDeck, build_pool

DECK = """# Learning-rate schedules

## What does a learning-rate warm-up do at the start of training?

It starts with a small learning rate and raises it gradually over the first few hundred steps, because
early updates from randomly initialised weights are large and unstable. After the warm-up the usual
schedule, such as cosine decay or step decay, takes over for the rest of training.
"""


def _stale_yaml(bank: Bank) -> str:
    """The deck as the importer wrote it, with a filler word added as a key idea (what older imports did)."""
    result = build_questions(parse_deck(DECK, "warmup.md"), bank=bank, topic="warmup-deck")
    text = deck_to_yaml(result)
    assert text.startswith(IMPORTED_HEADER)
    return text.replace("        aliases:\n", "        aliases:\n          - especially\n", 1)


def test_an_imported_private_deck_gets_its_concepts_derived_again() -> None:
    """A deck stored before the grader improved is graded with freshly derived key ideas: its stale
    filler alias ("especially") is gone, and its own reference still scores as a full answer."""
    bank = load_bank()
    public = QuestionPool(bank, bank.make_grader())
    pool = build_pool(public, [StoredDeck(1, "warmup-deck", "Warm-up", _stale_yaml(bank))], bank.vocabulary())
    (question,) = [q for q in pool.bank.questions if q.topic == "warmup-deck"]
    assert all("especially" not in c.aliases for c in question.concepts)
    assert pool.grader_for(question).grade(question, question.model_answer).score >= 0.9


def test_a_hand_written_private_deck_keeps_its_concepts() -> None:
    """Only the importer's derived concepts are derived again; a YAML deck written by hand is left as written."""
    bank = load_bank()
    public = QuestionPool(bank, bank.make_grader())
    text = _stale_yaml(bank).split("\n", 2)[2]  # without the importer's header lines
    pool = build_pool(public, [StoredDeck(1, "warmup-deck", "Warm-up", text)], bank.vocabulary())
    (question,) = [q for q in pool.bank.questions if q.topic == "warmup-deck"]
    assert any("especially" in c.aliases for c in question.concepts)
