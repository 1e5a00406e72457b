"""/start onboarding and /settings, through Application.process_update."""

from __future__ import annotations

from tests.adapters.telegram import fake_api
from tests.adapters.telegram.conftest import Harness


async def test_start_walks_through_every_setting(tg: Harness) -> None:
    ada = fake_api.user(11, "Ada", "de")
    sent = await tg.say(ada, "/start")
    assert "Hi Ada!" in sent[0].text
    screen = sent[-1]
    assert "Topics" in screen.text
    assert "step 1 of 5" in screen.text
    assert {"sql", "http", "caching", "✅ Done"} <= set(screen.buttons)

    await tg.press(ada, screen, "sql")
    assert "✔ sql" in screen.buttons
    assert "Chosen: sql" in screen.text
    assert tg.toast() == "Added sql"
    await tg.press(ada, screen, "http")
    await tg.press(ada, screen, "✔ http")  # tap again: removed
    assert "Chosen: sql" in screen.text
    assert "http" in screen.buttons
    await tg.press(ada, screen, "Done")
    assert "Your level" in screen.text
    assert "step 2 of 5" in screen.text
    assert "✔ Mid" in screen.buttons
    await tg.press(ada, screen, "Senior")
    assert "Daily question time" in screen.text
    await tg.press(ada, screen, "07:00")
    assert "Your time zone" in screen.text
    assert "Europe/Berlin" in screen.text
    assert "guess from your Telegram language" in screen.text
    await tg.press(ada, screen, "Yes, Europe/Berlin")
    assert "New questions per day" in screen.text
    await tg.press(ada, screen, "10")
    assert "All set!" in screen.text
    assert "Topics: sql" in screen.text
    assert "Level: senior" in screen.text
    assert "Daily question at: 07:00" in screen.text
    assert "Europe/Berlin" in screen.text
    assert "New questions per day: 10" in screen.text
    assert len(tg.api.in_chat(ada["id"])) == 2  # one screen, edited in place

    settings = tg.app.practice.settings(tg.person(ada))
    assert settings.topics == ["sql"]
    assert settings.level.value == "senior"
    assert (settings.delivery_time, settings.timezone, settings.new_per_day) == (
        "07:00",
        "Europe/Berlin",
        10,
    )
    assert tg.app.subscriptions.subscribed(tg.person(ada), "telegram")


async def test_time_zone_by_city_offset_or_typing(tg: Harness) -> None:
    bob = fake_api.user(12, "Bob", "en")
    await tg.say(bob, "/start")
    screen = tg.api.last(bob["id"])
    for label in ("Done", "Mid", "09:00"):
        await tg.press(bob, screen, label)
    assert "UTC" in screen.text  # English says nothing about a zone: the default
    await tg.press(bob, screen, "Pick a city")
    assert "Tokyo" in screen.buttons
    await tg.press(bob, screen, "Back")
    await tg.press(bob, screen, "UTC offset")
    assert "UTC+3" in screen.buttons
    assert "UTC-12" in screen.buttons
    await tg.press(bob, screen, "UTC+3")
    assert tg.app.practice.settings(tg.person(bob)).timezone == "Etc/GMT-3"
    assert "New questions per day" in screen.text

    # /settings re-runs any step; a typed zone is read from the next message
    menu = (await tg.say(bob, "/settings"))[-1]
    assert "Your settings" in menu.text
    assert "fixed offset" in menu.text
    await tg.press(bob, menu, "Time zone")
    await tg.press(bob, menu, "Type a city")
    prompt = tg.api.last(bob["id"])
    assert "Type your city" in prompt.text
    reply = await tg.say(bob, "Mars/Base")
    assert "could not read that" in reply[0].text
    reply = await tg.say(bob, "lisbon")
    assert "Time zone: Europe/Lisbon" in reply[0].text
    assert "Your settings" in reply[-1].text  # back to the menu
    assert tg.app.practice.settings(tg.person(bob)).timezone == "Europe/Lisbon"


async def test_typed_time_and_forged_values(tg: Harness) -> None:
    cy = fake_api.user(13, "Cy", None)
    await tg.onboard(cy)
    menu = (await tg.say(cy, "/settings"))[-1]
    await tg.press(cy, menu, "Time")
    await tg.press(cy, menu, "Another time")
    assert "could not read" in (await tg.say(cy, "25:99"))[0].text
    reply = await tg.say(cy, "6:45")
    assert "Daily question at 06:45" in reply[0].text
    assert tg.app.practice.settings(tg.person(cy)).delivery_time == "06:45"

    # forged buttons: the services refuse the value and say which setting
    for data, expected in [
        ("ip:o:s:lv:wizard", "level"),
        ("ip:o:s:tz:Mars/Base", "timezone"),
        ("ip:o:s:np:999", "new_per_day"),
        ("ip:o:s:tm:2599", "delivery_time"),
        ("ip:o:s:tp:astrology", "topics"),
    ]:
        await tg.tap(cy, menu, data)
        assert expected in tg.toast(), (data, tg.toast())
    await tg.tap(cy, menu, "ip:o:x:lv:mid")
    assert "no longer valid" in tg.toast()
    await tg.tap(cy, menu, "ip:o:s:zz:mid")
    assert "no longer valid" in tg.toast()
    settings = tg.app.practice.settings(tg.person(cy))
    assert settings.level.value == "mid"
    assert settings.timezone == "UTC"


async def test_settings_before_start_asks_to_start(tg: Harness) -> None:
    dee = fake_api.user(14, "Dee")
    reply = await tg.say(dee, "/settings")
    assert "/start" in reply[0].text
    assert tg.app.practice.find_person("telegram", "14") is None


async def test_markup_in_display_name_is_escaped(tg: Harness) -> None:
    eve = fake_api.user(15, "<b>Eve</b> & <script>", "fr")
    sent = await tg.say(eve, "/start")
    assert sent[0].text.startswith("Hi <b>Eve</b> & <script>!")
    assert "&lt;b&gt;Eve&lt;/b&gt; &amp; &lt;script&gt;" in sent[0].html
