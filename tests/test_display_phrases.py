"""Pure parts of the display agent: the TV state reducer and the agent's options (the
sentences and voices it speaks are server/speech's: tests/test_speech_phrases.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from display.state import HallState, apply
from display.voice import parse_voice_option

pytestmark = pytest.mark.unit

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _called(seq: int, ticket: int, number: str, counter: int, *, ts: datetime = T0,
            type_: str = "ticket.called", calls: int = 1, service: int = 1,
            called_at: datetime | None = None, from_state: str = "waiting",
            ) -> dict[str, Any]:  # fmt: skip
    data = {"id": ticket, "number": number, "service_id": service, "state": "called",
            "from_state": "called" if type_ == "ticket.recalled" else from_state,
            "calls": calls, "called_at": (called_at or ts).isoformat(),
            "counter": {"id": counter, "number": counter, "name": f"窗口{counter}"}}  # fmt: skip
    return {"seq": seq, "type": type_, "ts": ts.isoformat(), "data": data}


def test_voice_option_for_all_or_per_language() -> None:
    assert parse_voice_option("en-gb") == {"zh-CN": "en-gb", "zh-TW": "en-gb", "en": "en-gb"}
    assert parse_voice_option("zh-CN=cmn, en=en-us") == {"zh-CN": "cmn", "en": "en-us"}
    with pytest.raises(ValueError):
        parse_voice_option("fr=x")


SNAPSHOT = {
    "seq": 10,
    "type": "snapshot",
    "ts": T0.isoformat(),
    "data": {
        "seq": 10, "branch_id": 1, "business_date": "2026-03-02",
        "services": [
            {"id": 1, "code": "a", "prefix": "A", "name": {"zh-CN": "综合"}, "waiting": 4,
             "estimated_wait_s": 1200},
            {"id": 2, "code": "b", "prefix": "B", "name": {"zh-CN": "缴费"}, "waiting": 0,
             "estimated_wait_s": 0},
        ],
        "counters": [
            {"id": 1, "number": 1, "name": "", "state": "open", "pause_reason": None,
             "ticket": {"id": 5, "number": "A005", "state": "serving"}},
            {"id": 2, "number": 2, "name": "", "state": "open", "pause_reason": None,
             "ticket": None},
            {"id": 3, "number": 3, "name": "", "state": "closed", "pause_reason": None,
             "ticket": None},
        ],
        "recent_calls": [
            {"ticket_id": 5, "number": "A005", "counter_number": 1,
             "called_at": (T0 - timedelta(minutes=3)).isoformat(), "calls": 1},
        ],
    },
}  # fmt: skip


def fold(*messages: dict[str, Any], recent: int = 8) -> HallState:
    state = HallState(recent_limit=recent)
    for message in messages:
        state = apply(state, message)
    return state


def test_snapshot_gives_calls_counters_and_waiting() -> None:
    state = fold(SNAPSHOT)
    assert state.seq == 10
    assert [(c.number, c.ticket_number) for c in state.current_calls()] == [(1, "A005"), (2, None)]
    assert [c.number for c in state.recent] == ["A005"]
    assert state.waiting() == {"A": 4, "B": 0}
    assert state.services[1].estimated_wait_s == 1200


def test_a_call_from_the_line_updates_counter_recent_calls_and_waiting() -> None:
    state = fold(SNAPSHOT, _called(11, 6, "A006", 2))
    assert [(c.number, c.ticket_number) for c in state.current_calls()] == [
        (1, "A005"),
        (2, "A006"),
    ]
    assert [c.number for c in state.recent] == ["A006", "A005"]
    assert state.recent[0].seq == 11
    assert state.waiting()["A"] == 3
    assert state.services[1].estimated_wait_s == 900  # 300 s a person, as in the snapshot


def test_a_recall_moves_the_call_to_the_top_without_touching_the_line() -> None:
    later = T0 + timedelta(seconds=30)
    state = fold(SNAPSHOT, _called(11, 6, "A006", 2), _called(12, 7, "A007", 1),
                 _called(13, 6, "A006", 2, ts=later, type_="ticket.recalled", calls=2,
                         called_at=T0))  # fmt: skip
    assert [(c.number, c.calls) for c in state.recent] == [("A006", 2), ("A007", 1), ("A005", 1)]
    assert state.waiting()["A"] == 2


def test_resuming_a_parked_ticket_does_not_shrink_the_line() -> None:
    resumed = _called(11, 3, "A003", 2, ts=T0, called_at=T0 - timedelta(minutes=10),
                      from_state="parked")  # fmt: skip
    assert fold(SNAPSHOT, resumed).waiting()["A"] == 4


def test_issue_and_cancel_change_the_line_and_its_estimate() -> None:
    issued = {"seq": 11, "type": "ticket.issued", "ts": T0.isoformat(),
              "data": {"id": 9, "number": "B001", "service_id": 2, "state": "waiting",
                       "from_state": None, "called_at": None, "position": 0,
                       "estimated_wait_s": 0}}  # fmt: skip
    issued2 = {"seq": 12, "type": "ticket.issued", "ts": T0.isoformat(),
               "data": {"id": 10, "number": "B002", "service_id": 2, "state": "waiting",
                        "from_state": None, "called_at": None, "position": 1,
                        "estimated_wait_s": 240}}  # fmt: skip
    cancelled = {"seq": 13, "type": "ticket.cancelled", "ts": T0.isoformat(),
                 "data": {**issued["data"], "state": "cancelled",
                          "from_state": "waiting"}}  # fmt: skip
    state = fold(SNAPSHOT, issued, issued2)
    assert state.waiting()["B"] == 2 and state.services[2].estimated_wait_s == 480
    state = apply(state, cancelled)
    assert state.waiting()["B"] == 1 and state.services[2].estimated_wait_s == 240


def test_finishing_frees_the_counter_and_counter_updates_apply() -> None:
    done = {"seq": 11, "type": "ticket.completed", "ts": T0.isoformat(),
            "data": {"id": 5, "number": "A005", "service_id": 1, "state": "done",
                     "from_state": "called", "called_at": T0.isoformat()}}  # fmt: skip
    paused = {
        "seq": 12,
        "type": "counter.updated",
        "ts": T0.isoformat(),
        "data": {"id": 1, "number": 1, "name": "", "state": "paused", "ticket_id": None},
    }
    closed = {
        "seq": 13,
        "type": "counter.updated",
        "ts": T0.isoformat(),
        "data": {"id": 2, "number": 2, "name": "", "state": "closed", "ticket_id": None},
    }
    state = fold(SNAPSHOT, done, paused, closed)
    assert [(c.number, c.state, c.ticket_number) for c in state.current_calls()] == [
        (1, "paused", None)
    ]
    assert state.waiting()["A"] == 4


def test_old_and_repeated_events_are_ignored_and_recent_calls_are_capped() -> None:
    calls = [_called(11 + i, 20 + i, f"A0{20 + i}", 2) for i in range(5)]
    state = fold(SNAPSHOT, *calls, calls[1], recent=3)
    assert [c.number for c in state.recent] == ["A024", "A023", "A022"]
    assert state.seq == 15
    again = fold(SNAPSHOT, *calls, recent=3)
    assert again == state
    assert apply(state, SNAPSHOT).seq == 10  # a new snapshot replaces everything


def test_a_recall_listed_in_the_snapshot_shows_the_ticket_once() -> None:
    recall = {"ticket_id": 5, "number": "A005", "counter_number": 1, "called_at": T0.isoformat(),
              "calls": 2}  # fmt: skip
    data = {**SNAPSHOT["data"], "recent_calls": [recall, *SNAPSHOT["data"]["recent_calls"]]}
    state = fold({**SNAPSHOT, "data": data})
    assert [(c.number, c.calls) for c in state.recent] == [("A005", 2)]


def test_agent_options_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from display.cli import DisplaySettings, agent_config, tv_page_url

    monkeypatch.setenv("HALLQ_DISPLAY_TOKEN", "tok")
    monkeypatch.setenv("HALLQ_DISPLAY_LANGS", "zh-TW,en")
    monkeypatch.setenv("HALLQ_DISPLAY_VOICE", "en=en-gb")
    monkeypatch.setenv("HALLQ_DISPLAY_NO_PLAY", "true")
    config = agent_config(DisplaySettings(repeat=2))
    assert (config.token, config.locales, config.voices) == (
        "tok",
        ("zh-TW", "en"),
        {"en": "en-gb"},
    )
    assert config.repeat == 2 and config.play is False and config.max_age_s == 60
    assert tv_page_url("http://h:8000/", 1, "a b") == "http://h:8000/display?token=a+b&branch=1"
