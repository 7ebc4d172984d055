"""The printed ticket of a service no open counter serves says so instead of a wait
(issue 13, item 20)."""

from __future__ import annotations

from datetime import UTC

import pytest

from kiosk.escpos_writer import Options
from kiosk.render import label, render_ticket
from tests.escpos_decode import decode
from tests.test_kiosk_render import make_job

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("locale", "says"),
    [("zh-CN", "暂无窗口办理，请留意叫号"), ("en", "No counter open at the moment")],
)
def test_no_counter_open_is_printed_instead_of_a_wait(locale: str, says: str) -> None:
    job = make_job(locale, estimated_wait_s=None, open_counters=0)  # type: ignore[arg-type]
    printed = decode(render_ticket(job, Options(cjk="gb18030"), UTC), "gb18030")
    text = printed.text()
    assert "A012" in printed.texts and says in text
    assert "10" not in text.replace("2026", "")  # no wait printed
    assert label("zh-TW", "no_counter") == "暫無窗口辦理，請留意叫號"


def test_an_estimate_is_printed_while_a_counter_is_open() -> None:
    job = make_job("en", estimated_wait_s=600, open_counters=2)
    printed = decode(render_ticket(job, Options(cjk="gb18030"), UTC), "gb18030")
    assert "Estimated wait: about 10 min" in printed.texts
