"""Every inline keyboard of the bot: labels from the rendering modules, data from ``callbacks``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.conversation import DeleteAsked, TopicChoice
from bot.domain.decks import DeckInfo, DeleteDeckAsked
from bot.domain.interview.results import AskedInRound, Debrief, RoundSpec, RoundStep
from bot.domain.interview.rules import LENGTH_CHOICES, LEVELS
from bot.domain.pushtime import COMMON_ZONES
from bot.rendering import deck_texts, settings_texts, texts
from bot.rendering import interview_texts as itexts
from bot.telegram_app import callbacks
from bot.telegram_app.callbacks import ALL_TOPICS, Button, fits

ZONES_PER_ROW = 2
TOPICS_PER_ROW = 2


def _button(label: str, button: Button) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=button.pack())


def _rows(buttons: Sequence[InlineKeyboardButton], per_row: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)]


def _mark(chosen: bool, label: str) -> str:
    return ("✅ " if chosen else "") + label


# ---- practice ---------------------------------------------------------------------------------------


def question_keyboard(question_id: str, hints: int) -> InlineKeyboardMarkup:
    """Under a question: Hint (if it has any) and Show model answer."""
    row = [_button(texts.BUTTON_HINT, callbacks.Hint(question_id))] if hints else []
    row.append(_button(texts.BUTTON_MODEL, callbacks.Reveal(question_id)))
    return InlineKeyboardMarkup([row])


def switch_keyboard(question_id: str) -> InlineKeyboardMarkup:
    """Under a question that is not the open one (a delayed daily push): open it instead."""
    return InlineKeyboardMarkup([[_button(texts.BUTTON_ANSWER_THIS, callbacks.Retry(question_id))]])


def feedback_keyboard(question_id: str) -> InlineKeyboardMarkup:
    """Under feedback (and a revealed answer): Next, Hint (retry with a hint), Retry, Show model answer."""
    return InlineKeyboardMarkup(
        [
            [
                _button(texts.BUTTON_NEXT, callbacks.NextQuestion()),
                _button(texts.BUTTON_HINT, callbacks.RetryWithHint(question_id)),
            ],
            [
                _button(texts.BUTTON_RETRY, callbacks.Retry(question_id)),
                _button(texts.BUTTON_MODEL, callbacks.ModelAnswer(question_id)),
            ],
        ]
    )


def topics_keyboard(choice: TopicChoice) -> InlineKeyboardMarkup:
    """Under /topics: every topic (ticked when chosen), all topics, the levels, and Next question."""
    buttons = [
        _button(_mark(topic in choice.topics, title), callbacks.ToggleTopic(topic))
        for topic, title in choice.titles.items()
    ]
    rows = _rows(buttons, TOPICS_PER_ROW)
    rows.append(
        [_button(_mark(not choice.topics, settings_texts.BUTTON_ALL_TOPICS), callbacks.ToggleTopic(ALL_TOPICS))]
    )
    levels = [(0, settings_texts.BUTTON_ANY_LEVEL), *texts.LEVEL_NAMES.items()]
    rows.append(
        [_button(_mark((choice.difficulty or 0) == level, name), callbacks.SetLevel(level)) for level, name in levels]
    )
    rows.append([_button(texts.BUTTON_NEXT, callbacks.NextQuestion())])
    return InlineKeyboardMarkup(rows)


def zone_keyboard() -> InlineKeyboardMarkup:
    """Common time zones, two per row."""
    buttons = [_button(name.replace("_", " "), callbacks.SetZone(name)) for name in COMMON_ZONES]
    return InlineKeyboardMarkup(_rows(buttons, ZONES_PER_ROW))


def settings_keyboard(*, subscribed: bool, weekdays_only: bool) -> InlineKeyboardMarkup:
    """Under /settings: days of the daily question (when subscribed) and the time zone picker."""
    rows: list[list[InlineKeyboardButton]] = []
    if subscribed:
        rows.append(
            [
                _button(_mark(not weekdays_only, settings_texts.BUTTON_EVERY_DAY), callbacks.PushDays("every")),
                _button(_mark(weekdays_only, settings_texts.BUTTON_WEEKDAYS), callbacks.PushDays("weekdays")),
            ]
        )
    rows.append([_button(settings_texts.BUTTON_PICK_ZONE, callbacks.PickZone())])
    return InlineKeyboardMarkup(rows)


def delete_keyboard(asked: DeleteAsked) -> InlineKeyboardMarkup:
    """The /delete_me confirmation (its Yes expires: it carries when it was asked)."""
    return InlineKeyboardMarkup(
        [
            [
                _button(texts.BUTTON_DELETE_YES, callbacks.DeleteAccount(True, asked.asked_at)),
                _button(texts.BUTTON_DELETE_NO, callbacks.DeleteAccount(confirmed=False)),
            ]
        ]
    )


# ---- mock interviews ---------------------------------------------------------------------------------


def options_keyboard(spec: RoundSpec, titles: Mapping[str, str]) -> InlineKeyboardMarkup:
    """Length, topic (or mixed) and level, each button carrying the whole choice; then Start."""
    topic = spec.topic or ALL_TOPICS
    lengths = [
        _button(_mark(n == spec.length, itexts.BUTTON_LENGTH.format(n=n)), callbacks.RoundChoice(n, topic, spec.level))
        for n in sorted({*LENGTH_CHOICES, spec.length})
    ]
    mixed = callbacks.RoundChoice(spec.length, ALL_TOPICS, spec.level)
    topic_buttons = [_button(_mark(spec.topic is None, itexts.BUTTON_MIXED), mixed)]
    topic_buttons += [
        _button(_mark(spec.topic == topic_id, title), choice)
        for topic_id, title in titles.items()
        if fits((choice := callbacks.RoundChoice(spec.length, topic_id, spec.level)).pack())
        and fits(callbacks.StartRound(spec.length, topic_id, 3).pack())
    ]
    levels = [
        _button(_mark(level == spec.level, itexts.LEVEL_NAMES[level]), callbacks.RoundChoice(spec.length, topic, level))
        for level in LEVELS
    ]
    rows = [lengths, *_rows(topic_buttons, TOPICS_PER_ROW), levels]
    rows.append([_button(itexts.BUTTON_START, callbacks.StartRound(spec.length, topic, spec.level))])
    return InlineKeyboardMarkup(rows)


def step_keyboard(step: RoundStep) -> InlineKeyboardMarkup:
    """Under a round's question: Hint (if any left) and Pass; under a follow-up: Pass; always End."""
    row: list[InlineKeyboardButton] = []
    if isinstance(step, AskedInRound) and step.hints_used < step.hints_total:
        row.append(_button(itexts.BUTTON_HINT, callbacks.HintInRound(step.round_id, step.position)))
    follow_up = not isinstance(step, AskedInRound)
    row.append(_button(itexts.BUTTON_PASS, callbacks.PassInRound(step.round_id, step.position, follow_up)))
    return InlineKeyboardMarkup([row, [_button(itexts.BUTTON_END, callbacks.EndRound(step.round_id))]])


def leave_keyboard(step: RoundStep, topic: str | None) -> InlineKeyboardMarkup:
    """Leave the round (then the practice question, from ``topic`` if it fits) or stay."""
    return InlineKeyboardMarkup(
        [
            [
                _button(itexts.BUTTON_LEAVE, callbacks.LeaveRound(step.round_id, topic)),
                _button(itexts.BUTTON_STAY, callbacks.StayInRound(step.round_id)),
            ]
        ]
    )


def debrief_keyboard(debrief: Debrief) -> InlineKeyboardMarkup:
    """One button per next step (opens it as a practice question), then a new round."""
    steps = [
        _button(itexts.button_review(number), review)
        for number, step in enumerate(debrief.next_steps, 1)
        if fits((review := callbacks.ReviewStep(step.question.id)).pack())
    ]
    rows = [steps] if steps else []
    rows.append([_button(itexts.BUTTON_NEW_ROUND, callbacks.NewRound())])
    return InlineKeyboardMarkup(rows)


# ---- users' decks -------------------------------------------------------------------------------------


def _deck_button(label: str, deck: DeckInfo, button: Button) -> InlineKeyboardButton:
    return _button(deck_texts.button(label, deck), button)


def _share_button(deck: DeckInfo, *, admin: bool) -> InlineKeyboardButton:
    if admin:
        return _deck_button(deck_texts.BUTTON_PUBLISH_DECK, deck, callbacks.PublishDeck(deck.id))
    return _deck_button(deck_texts.BUTTON_SUBMIT_DECK, deck, callbacks.SubmitDeck(deck.id))


def deck_keyboard(deck: DeckInfo, *, admin: bool) -> InlineKeyboardMarkup:
    """Under a deck just saved: Practise; Suggest (or Publish, for an admin) and Delete."""
    return InlineKeyboardMarkup(
        [
            [_deck_button(deck_texts.BUTTON_PRACTISE_DECK, deck, callbacks.PractiseDeck(deck.id))],
            [
                _share_button(deck, admin=admin),
                _deck_button(deck_texts.BUTTON_DELETE_DECK, deck, callbacks.DeleteDeck(deck.id)),
            ],
        ]
    )


def my_decks_keyboard(decks: Sequence[DeckInfo], *, admin: bool) -> InlineKeyboardMarkup:
    """Under /mydecks: each deck's buttons (a published deck can only be practised)."""
    rows: list[list[InlineKeyboardButton]] = []
    for deck in decks:
        practise = _deck_button(deck_texts.BUTTON_PRACTISE_DECK, deck, callbacks.PractiseDeck(deck.id))
        if not deck.is_private:
            rows.append([practise])
            continue
        rows.append([practise, _deck_button(deck_texts.BUTTON_DELETE_DECK, deck, callbacks.DeleteDeck(deck.id))])
        if admin or deck.submitted_at is None:
            rows.append([_share_button(deck, admin=admin)])
    return InlineKeyboardMarkup(rows)


def delete_deck_keyboard(asked: DeleteDeckAsked) -> InlineKeyboardMarkup:
    """Yes, delete it (it expires: it carries when it was asked) / Keep it."""
    deck = asked.deck
    return InlineKeyboardMarkup(
        [
            [
                _deck_button(
                    deck_texts.BUTTON_DELETE_DECK_YES, deck, callbacks.DeleteDeckConfirmed(deck.id, asked.asked_at)
                ),
                _deck_button(deck_texts.BUTTON_KEEP_DECK, deck, callbacks.KeepDeck(deck.id)),
            ]
        ]
    )


def publish_keyboard(decks: Sequence[DeckInfo]) -> InlineKeyboardMarkup:
    """A Publish button per deck (for the admins)."""
    return InlineKeyboardMarkup(
        [[_deck_button(deck_texts.BUTTON_PUBLISH_DECK, d, callbacks.PublishDeck(d.id))] for d in decks]
    )
