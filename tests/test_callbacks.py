"""Button data: every button fits 64 bytes and parses back to itself; data no keyboard makes matches no handler."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.telegram_app import callbacks
from bot.telegram_app.app import BUTTONS

ASKED_AT = datetime(2026, 12, 5, 9, 30, 15, 123000, tzinfo=UTC)
"""When a confirmation was asked: buttons carry it to the millisecond."""
EVERY_BUTTON: list[callbacks.Button] = [
    callbacks.NextQuestion(),
    callbacks.Hint("precision-recall"),
    callbacks.Reveal("precision-recall"),
    callbacks.Retry("precision-recall"),
    callbacks.RetryWithHint("precision-recall"),
    callbacks.ModelAnswer("precision-recall"),
    callbacks.ToggleTopic("metrics"),
    callbacks.ToggleTopic(callbacks.ALL_TOPICS),
    callbacks.SetLevel(0),
    callbacks.PickZone(),
    callbacks.SetZone("America/Argentina/Buenos_Aires"),
    callbacks.PushDays("weekdays"),
    callbacks.DeleteAccount(True, ASKED_AT),
    callbacks.DeleteAccount(confirmed=False),
    callbacks.RoundChoice(5, callbacks.ALL_TOPICS, 2),
    callbacks.StartRound(10, "deep-learning", 3),
    callbacks.NewRound(),
    callbacks.HintInRound(2**31 - 1, 9),
    callbacks.PassInRound(7, 0, follow_up=True),
    callbacks.EndRound(7),
    callbacks.LeaveRound(7, "metrics"),
    callbacks.LeaveRound(7),
    callbacks.StayInRound(7),
    callbacks.ReviewStep("bias-variance"),
    callbacks.PractiseDeck(12),
    callbacks.DeleteDeck(12),
    callbacks.DeleteDeckConfirmed(2**31 - 1, ASKED_AT),
    callbacks.KeepDeck(12),
    callbacks.SubmitDeck(12),
    callbacks.PublishDeck(12),
]


@pytest.mark.parametrize("button", EVERY_BUTTON, ids=lambda b: b.pack())
def test_every_button_round_trips_and_only_its_own_handler_matches(button: callbacks.Button) -> None:
    """Packed data fits Telegram's limit, parses back to the same button, and matches exactly one handler."""
    data = button.pack()
    assert len(data.encode()) <= callbacks.MAX_BYTES
    assert type(button).parse(data) == button
    assert [kind for kind, _ in BUTTONS if kind.matches(data)] == [type(button)]


def test_every_button_kind_has_a_handler() -> None:
    """The composition root registers a handler for every kind of button this module builds."""
    assert {type(button) for button in EVERY_BUTTON} == {kind for kind, _ in BUTTONS}


def test_the_data_of_earlier_versions_still_parses() -> None:
    """Buttons already in users' chats keep working: the wire format did not change."""
    assert callbacks.PassInRound.parse("iv:p:3:1:q") == callbacks.PassInRound(3, 1, follow_up=False)
    assert callbacks.LeaveRound.parse("iv:leave:3:metrics") == callbacks.LeaveRound(3, "metrics")
    assert callbacks.RoundChoice.parse("iv:o:3:metrics:2") == callbacks.RoundChoice(3, "metrics", 2)
    assert callbacks.DeleteAccount.parse("del:yes") == callbacks.DeleteAccount(confirmed=True)  # it no longer deletes
    assert callbacks.DeleteDeckConfirmed.parse("ud:dy:42") == callbacks.DeleteDeckConfirmed(42)  # nor this
    assert callbacks.SetZone.parse("tz:Asia/Kolkata") == callbacks.SetZone("Asia/Kolkata")
    assert callbacks.PractiseDeck.parse("ud:q:42") == callbacks.PractiseDeck(42)


@pytest.mark.parametrize(
    "data",
    [
        "",
        "zz:top",
        "n:extra",
        "h:",
        "h:bad id",
        "iv:zz",
        "iv:h:99999999999999999999:0",
        "iv:h:1:x",
        "iv:p:1:0:z",
        "iv:end:-1",
        "iv:leave:1:metrics:more",
        "ud:q:abc",
        "ud:q:1:2",
        "days:sometimes",
        "del:maybe",
        "del:no:1764927015123",
        "del:yes:soon",
        "ud:dy:1:soon",
        "ud:dy:1:2:3",
        "d:4",
        "tz:",
    ],
)
def test_data_no_keyboard_makes_matches_no_handler(data: str) -> None:
    """Junk and forged data reach the unknown-button handler only."""
    assert [kind for kind, _ in BUTTONS if kind.matches(data)] == []


def test_a_leave_button_drops_a_topic_too_long_for_its_data() -> None:
    """Leave the round with a topic that would overflow 64 bytes: the button still works, without the topic."""
    button = callbacks.LeaveRound(7, "t" * 60)
    assert callbacks.LeaveRound.parse(button.pack()) == callbacks.LeaveRound(7)
