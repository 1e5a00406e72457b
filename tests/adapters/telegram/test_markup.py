"""Rendering primitives: escaping, code spans, splitting, callback data, time zones."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings, strategies as st

from interviewprep.adapters.telegram import callbacks, zones
from interviewprep.adapters.telegram.callbacks import Verb
from interviewprep.adapters.telegram.markup import MAX_MESSAGE, esc, rich, split, units, visible
from tests.adapters.telegram.fake_api import _check_html


def test_escapes_markup_and_renders_code_spans() -> None:
    text = "Use `a <b> & c` then ```sql\nSELECT 1 < 2;\n``` not <script>alert(1)</script> & co"
    html = rich(text)
    assert html == (
        "Use <code>a &lt;b&gt; &amp; c</code> then <pre>SELECT 1 &lt; 2;</pre> not "
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"
    )
    _check_html(html)
    assert esc("<i>x</i>") == "&lt;i&gt;x&lt;/i&gt;"


def test_short_text_is_one_part() -> None:
    assert split("<b>hi</b>") == ["<b>hi</b>"]


def test_splits_on_line_boundaries_and_reopens_tags() -> None:
    lines = [f"line {i} &lt; {'x' * 50}" for i in range(200)]
    text = "<b>Title</b>\n<pre>" + "\n".join(lines) + "</pre>\nend"
    parts = split(text)
    assert len(parts) > 1
    for part in parts:
        assert units(part) <= MAX_MESSAGE
        _check_html(part)
        assert not part.startswith("\n")
    assert parts[1].startswith("<pre>line")
    joined = "\n".join(visible(p) for p in parts)
    assert joined == visible(text)


def test_a_single_huge_line_is_cut_between_characters() -> None:
    text = "<i>" + "é😀" * 3000 + "</i>"
    parts = split(text)
    assert all(units(p) <= MAX_MESSAGE for p in parts)
    assert "".join(visible(p) for p in parts) == visible(text)
    for part in parts:
        _check_html(part)


_piece = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300).map(esc),
    st.just("\n"),
    st.text(alphabet="ab <&>\n", max_size=200).map(lambda t: f"<b>{esc(t)}</b>"),
    st.text(alphabet="xy <&>\n", max_size=900).map(lambda t: f"<pre>{esc(t)}</pre>"),
    st.text(alphabet="ab", max_size=50).map(lambda t: f"<tg-spoiler><code>{t}</code></tg-spoiler>"),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_piece, max_size=40), st.integers(min_value=60, max_value=700))
def test_split_property(pieces: list[str], limit: int) -> None:
    text = "".join(pieces)
    parts = split(text, limit)
    for part in parts:
        assert units(part) <= limit
        _check_html(part)
    strip = re.compile(r"\s+")
    assert strip.sub("", "".join(visible(p) for p in parts)) == strip.sub("", visible(text))


def test_callback_data_round_trip_and_limits() -> None:
    data = callbacks.encode(Verb.ANSWER, 42, 1)
    assert data == "ip:a:42:1"
    parsed = callbacks.decode(data)
    assert parsed is not None
    assert parsed.verb is Verb.ANSWER
    assert parsed.int_arg(0) == 42
    longest = callbacks.encode(Verb.SETTING, "s", "tz", "America/Argentina/ComodRivadavia")
    assert len(longest.encode()) <= 64
    with pytest.raises(ValueError, match="64 bytes"):
        callbacks.encode(Verb.SETTING, "s", "tp", "x" * 60)
    with pytest.raises(ValueError, match="':'"):
        callbacks.encode(Verb.SETTING, "s", "tm", "09:00")


@pytest.mark.parametrize(
    "data",
    [
        None,
        "",
        "hello",
        "ip",
        "ip:zz:1",
        "ip:a:1",  # missing the option
        "ip:a:1:2:3",
        "ip:a:-1:0",
        "ip:a:abc:0",
        "ip:a:1e9:0",
        "ip:a:99999999999999999999:0",
        "ip:r:5:9",  # no rating 9
        "ip:r:5:0",
        "xx:a:1:0",
        "ip:a::0",
        "ip:o:n:lv",
        "ip:" + "a" * 80,
    ],
)
def test_tampered_callback_data_is_refused(data: str | None) -> None:
    assert callbacks.decode(data) is None


def test_time_zone_guess_from_language() -> None:
    assert zones.guess("de", "UTC") == "Europe/Berlin"
    assert zones.guess("pt-BR", "UTC") == "America/Sao_Paulo"
    assert zones.guess("pt", "UTC") == "Europe/Lisbon"
    assert zones.guess("en", "Europe/Dublin") == "Europe/Dublin"  # ambiguous: the default
    assert zones.guess(None, "UTC") == "UTC"
    assert zones.guess("xx", "UTC") == "UTC"


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("america/chicago", "America/Chicago"),
        ("UTC+3", "Etc/GMT-3"),
        ("utc-5", "Etc/GMT+5"),
        ("+0", "UTC"),
        ("GMT", "UTC"),
        ("UTC+5:30", "Asia/Kolkata"),
        ("Tokyo", "Asia/Tokyo"),
        ("Mars/Base", None),
        ("UTC+15", None),
        ("", None),
        ("<b>Paris</b>", None),
    ],
)
def test_typed_time_zones(typed: str, zone: str | None) -> None:
    assert zones.parse(typed) == zone


def test_offset_zones_have_the_posix_sign() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    moment = datetime(2026, 3, 7, 9, 0, tzinfo=UTC)
    for hours in zones.OFFSETS:
        offset = moment.astimezone(ZoneInfo(zones.offset_zone(hours))).utcoffset()
        assert offset is not None
        assert offset.total_seconds() == hours * 3600


def test_keyboard_is_the_markup_ptb_would_send() -> None:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    from interviewprep.adapters.telegram.keyboard import Keyboard

    rows = [[("1. HAVING", "ip:a:7:0")], [("⏭ Skip", "ip:s:7"), ("👁 Reveal", "ip:v:7")]]
    ours = Keyboard(rows)
    theirs = InlineKeyboardMarkup(
        [[InlineKeyboardButton(text, callback_data=data) for text, data in row] for row in rows]
    )
    assert ours.to_dict() == theirs.to_dict()
    assert json.loads(ours.to_json()) == json.loads(theirs.to_json())
    assert ours.inline_keyboard == theirs.inline_keyboard
    assert ours == Keyboard(rows)
    assert hash(ours) == hash(Keyboard(rows))
    assert ours.rows == tuple(tuple(row) for row in rows)
