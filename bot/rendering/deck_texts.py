"""Every word about decks and the bank in service: decks sent as files, /mydecks, /decks, /reload, publishing."""

from __future__ import annotations

import html
from collections.abc import Sequence

from bot.domain.decks import DeckInfo, DeckLimit, Reloaded, ReloadFailed, ShadowedDeck
from bot.rendering.interview_texts import plural

MAX_PROBLEMS_SHOWN = 15
BUTTON_TITLE_CHARS = 24
MAX_WAITING_SHOWN = 20
"""Decks listed with a Publish button under /decks."""

BANK_RELOADED = "🔄 Bank reloaded: {questions} questions in {topics} topics ({decks} published decks)."
BANK_RELOAD_FAILED = "⛔️ The bank was not reloaded; the previous one stays in service. Problems:"
DECK_REJECTED = "⛔️ Deck <b>{name}</b> rejected; nothing was saved and the bank in service is unchanged. Problems:"
DECK_SAVED = (
    "📦 Saved <b>{name}</b> as your private deck “{title}”: {count} questions, topic <code>{topic}</code>. "
    "Only you get these questions; key ideas and hints were derived from your answers.\n"
    "Practise it with <code>/question {topic}</code> or the button below; /mydecks lists your decks."
)
DECK_LIMIT = (
    "⛔️ You have reached the limit of {decks} decks or {questions} private questions. Delete one with /mydecks first."
)
DECK_TOO_BIG = "\n• the file is too big (2 MB at most)"
MY_DECKS_NONE = (
    "You have no decks yet. Send me a file of your own questions with their answers as a document: "
    "a <b>.csv</b> with <i>question</i> and <i>answer</i> columns, a <b>.md</b> file with each question "
    "as a heading (<code>## …</code>) or in bold, followed by its answer, or a <b>.yaml</b> topic file in "
    "the question bank's format. Only you will see them."
)
DECK_FORMATS = (
    "To add questions of your own, send a <b>.csv</b> (question and answer columns), <b>.md</b> or "
    "<b>.yaml</b> deck; /mydecks explains."
)
MY_DECKS_HEAD = "<b>Your decks</b>"
DECK_LINE = "{n}. “{title}” (<code>{topic}</code>), {count}: {status}"
DECK_STATUS_PRIVATE = "private"
DECK_STATUS_SUBMITTED = "private, waiting for an admin to publish it"
DECK_STATUS_PUBLISHED = "published for everyone"
DECK_STATUS_SHADOWED = (
    "⚠️ not asked: a deck for everyone has its topic now (delete it and send it again under another name)"
)
DECK_STATUS_PART_SHADOWED = "⚠️ a deck for everyone now has {count} of its questions (asked as that deck has them)"
DECK_DELETE_CONFIRM = "Delete your deck “{title}” ({count} questions)? Your past answers to it stay in your history."
DECK_DELETED = "🗑 Deck “{title}” deleted."
DECK_KEPT = "OK, the deck stays."
DECK_GONE = "That deck is not yours or no longer exists. /mydecks lists your decks."
DELETE_DECK_EXPIRED = "That question has expired, so the deck stays. To delete it, press 🗑 Delete under /mydecks again."
DECK_SUBMITTED = "📣 Sent to the admins. I'll tell you when “{title}” is published for everyone."
DECK_ALREADY_SUBMITTED = "“{title}” is already waiting for an admin."
DECK_FOR_REVIEW = (
    "📣 {owner} asks to publish their deck “{title}” (<code>{topic}</code>, {count} questions, "
    "file {name}). /decks lists every deck waiting."
)
DECKS_WAITING_NONE = "No deck is waiting to be published."
DECKS_WAITING_HEAD = "<b>Decks waiting to be published</b>"
DECK_PUBLISHED_OWNER = "🎉 Your deck “{title}” is now published: everyone can practise <code>{topic}</code>."
DECK_SHADOWED_WHOLE = (
    "⚠️ A deck published for everyone, “{published}”, has the topic <code>{topic}</code> of your deck “{title}”. "
    "The published one wins, so you no longer get your deck's {count}: "
    "<code>/question {topic}</code> now asks the published deck's. To keep practising yours, delete it in "
    "/mydecks and send it again under another name (the file name, or a YAML deck's topic, names the topic)."
)
DECK_SHADOWED_PART = (
    "⚠️ A deck published for everyone, “{published}”, has {left_out} of the {count} questions of your deck "
    "“{title}” (the same question ids). You now get those as the published deck has them; the other "
    "questions of your deck are unchanged."
)
BUTTON_PRACTISE_DECK = "▶️ Practise “{title}”"
BUTTON_SUBMIT_DECK = "📣 Suggest for everyone"
BUTTON_PUBLISH_DECK = "✅ Publish “{title}” for everyone"
BUTTON_DELETE_DECK = "🗑 Delete"
BUTTON_DELETE_DECK_YES = "Yes, delete it"
BUTTON_KEEP_DECK = "Keep it"


def problems(lines: Sequence[str]) -> str:
    """A deck's or the bank's problems, one bullet each (the first ``MAX_PROBLEMS_SHOWN``)."""
    shown = "\n".join(f"• {html.escape(line)}" for line in lines[:MAX_PROBLEMS_SHOWN])
    more = len(lines) - MAX_PROBLEMS_SHOWN
    return shown + (f"\n… and {more} more" if more > 0 else "")


def reloaded(result: Reloaded | ReloadFailed) -> str:
    """/reload and publishing: the new bank, or why the previous one stays."""
    if isinstance(result, Reloaded):
        return BANK_RELOADED.format(questions=result.questions, topics=result.topics, decks=result.decks)
    return BANK_RELOAD_FAILED + "\n" + problems(result.problems)


def rejected(name: str, lines: Sequence[str]) -> str:
    """A deck that cannot be saved, with its problems."""
    return DECK_REJECTED.format(name=html.escape(name)) + "\n" + problems(lines)


def too_big(name: str) -> str:
    """A deck file over the size limit."""
    return DECK_REJECTED.format(name=html.escape(name)) + DECK_TOO_BIG


def limit(result: DeckLimit) -> str:
    """The user has as many decks or private questions as allowed."""
    return DECK_LIMIT.format(decks=result.decks, questions=result.questions)


def saved(name: str, deck: DeckInfo) -> str:
    """A deck stored as the sender's private deck."""
    return DECK_SAVED.format(
        name=html.escape(name), title=html.escape(deck.title), count=deck.questions, topic=html.escape(deck.topic)
    )


def status(deck: DeckInfo) -> str:
    """Private, waiting for an admin, or published."""
    if not deck.is_private:
        return DECK_STATUS_PUBLISHED
    shown = DECK_STATUS_SUBMITTED if deck.submitted_at is not None else DECK_STATUS_PRIVATE
    if deck.left_out >= deck.questions > 0:
        return f"{shown}; {DECK_STATUS_SHADOWED}"
    if deck.left_out:
        return f"{shown}; {DECK_STATUS_PART_SHADOWED.format(count=deck.left_out)}"
    return shown


def my_decks(decks: Sequence[DeckInfo]) -> str:
    """/mydecks: the sender's decks (their buttons follow)."""
    if not decks:
        return MY_DECKS_NONE
    lines = [MY_DECKS_HEAD]
    lines += [
        DECK_LINE.format(
            n=n,
            title=html.escape(d.title),
            topic=html.escape(d.topic),
            count=plural(d.questions, "question"),
            status=status(d),
        )
        for n, d in enumerate(decks, 1)
    ]
    return "\n".join(lines)


def waiting(decks: Sequence[DeckInfo]) -> str:
    """/decks (admins): every deck whose owner asked to publish it."""
    if not decks:
        return DECKS_WAITING_NONE
    lines = [DECKS_WAITING_HEAD]
    lines += [
        f"{n}. “{html.escape(d.title)}” (<code>{html.escape(d.topic)}</code>), {d.questions} questions, "
        f"user {d.owner_id}"
        for n, d in enumerate(decks, 1)
    ]
    return "\n".join(lines)


def button(label: str, deck: DeckInfo) -> str:
    """A deck button's label, its title shortened to fit."""
    title = deck.title if len(deck.title) <= BUTTON_TITLE_CHARS else deck.title[: BUTTON_TITLE_CHARS - 1] + "…"
    return label.format(title=title)


def delete_confirm(deck: DeckInfo) -> str:
    """Delete this deck?"""
    return DECK_DELETE_CONFIRM.format(title=html.escape(deck.title), count=deck.questions)


def deleted(deck: DeckInfo) -> str:
    """The deck is gone."""
    return DECK_DELETED.format(title=html.escape(deck.title))


def submitted(deck: DeckInfo, *, already: bool) -> str:
    """The owner's suggestion went to the admins (or already had)."""
    return (DECK_ALREADY_SUBMITTED if already else DECK_SUBMITTED).format(title=html.escape(deck.title))


def for_review(first_name: str, username: str | None, deck: DeckInfo) -> str:
    """What the admins get when an owner suggests a deck."""
    owner = html.escape(f"{first_name} (@{username})" if username else first_name)
    return DECK_FOR_REVIEW.format(
        owner=owner,
        title=html.escape(deck.title),
        topic=html.escape(deck.topic),
        count=deck.questions,
        name=html.escape(deck.filename),
    )


def shadowed_to_owner(hidden: ShadowedDeck) -> str:
    """A deck published for everyone now shadows the owner's private deck, whole or in part."""
    title, topic = html.escape(hidden.title), html.escape(hidden.topic)
    published = html.escape(hidden.published_title)
    if hidden.whole:
        return DECK_SHADOWED_WHOLE.format(
            title=title, topic=topic, published=published, count=plural(hidden.questions, "question")
        )
    return DECK_SHADOWED_PART.format(title=title, published=published, left_out=hidden.left_out, count=hidden.questions)


def published_to_owner(deck: DeckInfo) -> str:
    """The owner's deck is published."""
    return DECK_PUBLISHED_OWNER.format(title=html.escape(deck.title), topic=html.escape(deck.topic))
