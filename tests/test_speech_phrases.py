"""What the hall hears (server/speech, shared by the server and the display agent): sentences
per locale, letters and digits one by one, templates, and the voice chosen per locale."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.speech.phrases import (
    DEFAULT_TEMPLATES,
    announcement,
    default_locales,
    parse_locales,
    phrase,
    sentences,
    spell,
)
from server.speech.synthesis import VoiceInfo, choose_voice

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_letters_and_digits_are_spelled_one_by_one() -> None:
    assert spell("A012") == "A 0 1 2"
    assert spell("vip7") == "V I P 7"
    assert spell("B-100") == "B 1 0 0"


def test_the_three_default_sentences() -> None:
    assert phrase("zh-CN", "A012", 3) == "请 A 0 1 2 号到 3 号窗口办理"
    assert phrase("zh-TW", "A012", 3) == "請 A 0 1 2 號到 3 號窗口辦理"
    assert phrase("en", "A012", 3) == "Number A 0 1 2, please go to counter 3"


def test_english_speech_keeps_the_letter_a_a_letter() -> None:
    assert phrase("en", "A012", 3, for_speech=True) == "Number A. 0 1 2, please go to counter 3"
    assert phrase("en", "B012", 3, for_speech=True) == "Number B 0 1 2, please go to counter 3"
    assert phrase("zh-CN", "A012", 3, for_speech=True) == "请 A 0 1 2 号到 3 号窗口办理"


def test_branch_templates_override_per_locale_and_blank_ones_do_not() -> None:
    templates = {"zh-CN": "请{number}号顾客到{counter}号窗口 {x}", "en": "  "}
    assert phrase("zh-CN", "C7", 12, templates) == "请C 7号顾客到12号窗口 {x}"
    assert phrase("en", "C7", 12, templates) == "Number C 7, please go to counter 12"
    assert phrase("zh-TW", "C7", 12, templates) == DEFAULT_TEMPLATES["zh-TW"].format(
        number="C 7", counter=12
    )


def test_locales_are_parsed_in_order_and_checked() -> None:
    assert parse_locales("zh-CN,en") == ["zh-CN", "en"]
    assert parse_locales(" zh-tw ") == ["zh-TW"]
    for bad in ("fr", "en,en", ""):
        with pytest.raises(ValueError):
            parse_locales(bad)
    assert default_locales("zh-TW") == ("zh-TW", "en")
    assert default_locales("en") == ("en",)


def test_a_call_event_becomes_an_announcement_in_every_language() -> None:
    counter = {"id": 3, "number": 3, "name": "窗口3"}
    data = {"id": 1, "number": "A012", "state": "called", "calls": 1, "counter": counter}
    item = announcement(7, "ticket.called", T0, data)
    assert item is not None and item.kind == "called" and item.counter_number == 3
    assert sentences(item, ["zh-CN", "en"]) == [
        ("zh-CN", "请 A 0 1 2 号到 3 号窗口办理"),
        ("en", "Number A 0 1 2, please go to counter 3"),
    ]
    assert announcement(8, "ticket.started", T0, data) is None


def test_voices_are_chosen_by_language_with_espeak_names_first() -> None:
    espeak = [
        VoiceInfo("sit/cmn", "Chinese (Mandarin, latin as English)", ("cmn",)),
        VoiceInfo("sit/cmn-latn-pinyin", "Chinese (Mandarin, latin as Pinyin)"),
        VoiceInfo("sit/yue", "Chinese (Cantonese)", ("yue",)),
        VoiceInfo("gmw/en", "English (Great Britain)", ("en-gb",)),
        VoiceInfo("gmw/en-us", "English (America)", ("en-us",)),
    ]
    assert choose_voice("zh-CN", espeak) == "sit/cmn-latn-pinyin"
    assert choose_voice("zh-TW", espeak) == "sit/cmn-latn-pinyin"
    assert choose_voice("en", espeak) == "gmw/en-us"
    sapi = [
        VoiceInfo("TTS_MS_EN-US_ZIRA_11.0", "Microsoft Zira Desktop - English (United States)"),
        VoiceInfo("TTS_MS_ZH-CN_HUIHUI_11.0", "Microsoft Huihui Desktop - Chinese (Simplified)"),
        VoiceInfo("TTS_MS_ZH-TW_HANHAN_11.0", "Microsoft Hanhan Desktop - Chinese (Taiwan)"),
    ]
    assert choose_voice("zh-CN", sapi) == sapi[1].id
    assert choose_voice("zh-TW", sapi) == sapi[2].id
    assert choose_voice("en", sapi) == sapi[0].id
    assert choose_voice("zh-CN", [VoiceInfo("x", "Deutsch")]) is None
