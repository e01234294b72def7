from datetime import UTC, date, datetime

import pytest

from services.notifications.domain import formatting as fmt
from services.notifications.domain.identity import mail_domain, message_id, notification_id
from services.notifications.domain.retry import RetryPolicy
from tests.notifications.factories import confirmed


def test_times_are_uk_local_and_plain() -> None:
    assert fmt.when(datetime(2026, 3, 3, 9, 30, tzinfo=UTC)) == "Tuesday 3 March 2026, 9:30am"
    # British Summer Time: 8am UTC is 9am in London.
    assert fmt.when(datetime(2026, 6, 16, 8, 0, tzinfo=UTC)) == "Tuesday 16 June 2026, 9am"
    assert fmt.when(datetime(2026, 6, 16, 11, 0, tzinfo=UTC)) == "Tuesday 16 June 2026, midday"
    assert fmt.when(datetime(2026, 1, 5, 16, 5, tzinfo=UTC)) == "Monday 5 January 2026, 4:05pm"
    assert fmt.day(date(2026, 4, 20)) == "Monday 20 April 2026"


def test_session_span_names_the_end_day_only_when_it_differs() -> None:
    start = datetime(2026, 3, 3, 9, 30, tzinfo=UTC)
    assert (
        fmt.session_span(start, start.replace(hour=15, minute=0))
        == "Tuesday 3 March 2026, 9:30am to 3pm"
    )
    assert fmt.session_span(start, start.replace(day=4, hour=12, minute=0)) == (
        "Tuesday 3 March 2026, 9:30am to Wednesday 4 March 2026, midday"
    )


@pytest.mark.parametrize(
    ("pence", "text"),
    [(0, "Free"), (1250, "£12.50"), (35000, "£350"), (120005, "£1,200.05"), (5, "£0.05")],
)
def test_money(pence: int, text: str) -> None:
    assert fmt.money(pence) == text


def test_days() -> None:
    assert [fmt.days(d) for d in (0.5, 1, 2.5, 3)] == ["half a day", "1 day", "2.5 days", "3 days"]


def test_ids_are_deterministic_per_event_and_recipient() -> None:
    event = confirmed().booking.booking_id
    one = notification_id(event, "Tom@School.example")
    assert one == notification_id(event, "tom@school.example ")
    assert one != notification_id(event, "amy@school.example")
    assert message_id(one, "alliance.localhost") == f"<{one}@alliance.localhost>"
    assert mail_domain("Alliance <no-reply@alliance.localhost>") == "alliance.localhost"
    assert mail_domain("nobody") == "alliance.localhost"


def test_retry_backoff_is_exponential_capped_and_bounded() -> None:
    policy = RetryPolicy(max_attempts=4, base_s=2, max_delay_s=5)
    assert [policy.delay_after(n) for n in (1, 2, 3, 4)] == [2, 4, 5, 5]
    assert not policy.gives_up_after(3)
    assert policy.gives_up_after(4)


def test_paragraphs_wrap_between_words_and_keep_a_long_link_whole() -> None:
    text = " ".join(["word"] * 30)
    lines = fmt.wrap(text, 20).split("\n")
    assert lines[0] == "word word word word"
    assert all(len(line) <= 20 for line in lines)
    assert " ".join(lines) == text
    link = "https://bookings.example/places/" + "x" * 80
    assert fmt.wrap(f"Open {link} to see it, well-known follow-up", 30).split("\n") == [
        "Open",
        link,
        "to see it, well-known",
        "follow-up",
    ]
    assert fmt.wrap("", 76) == ""


def test_every_day_and_month_has_its_english_name() -> None:
    assert fmt.day(date(2026, 1, 5)) == "Monday 5 January 2026"
    assert fmt.day(date(2026, 12, 27)) == "Sunday 27 December 2026"
