"""The pure parts: message identity, the retry policy and header-safe text (no I/O)."""

from uuid import UUID

import pytest

from services.notifications.domain.identity import mail_domain, message_id, notification_id
from services.notifications.domain.messages import header_text
from services.notifications.domain.retry import RetryPolicy

EVENT = UUID("0b7f6f0e-1c1a-4d0e-9a3b-6d1e2f3a4b5c")


def test_one_notification_id_per_event_and_address_whatever_its_case_or_spaces() -> None:
    first = notification_id(EVENT, "Tom.Hughes@School.example")
    assert first == notification_id(EVENT, "  tom.hughes@school.example ")
    assert first.version == 5
    assert first != notification_id(EVENT, "amy.patel@school.example")
    assert first != notification_id(UUID(int=EVENT.int + 1), "tom.hughes@school.example")


def test_the_message_id_is_the_notification_id_at_the_senders_domain() -> None:
    ident = notification_id(EVENT, "tom@school.example")
    assert message_id(ident, "odyssey.example") == f"<{ident}@odyssey.example>"


@pytest.mark.parametrize(
    ("address", "domain"),
    [
        ("Odyssey Alliance <noreply@odyssey.example>", "odyssey.example"),
        ("noreply@mail.odyssey.example", "mail.odyssey.example"),
        ("no address at all", "alliance.localhost"),
        ("someone@", "alliance.localhost"),
    ],
)
def test_the_mail_domain_comes_from_mail_from(address: str, domain: str) -> None:
    assert mail_domain(address) == domain


def test_retries_back_off_exponentially_up_to_the_cap_and_stop_at_the_limit() -> None:
    policy = RetryPolicy(max_attempts=4, base_s=5, max_delay_s=30)
    assert [policy.delay_after(n) for n in (1, 2, 3, 4, 5)] == [5, 10, 20, 30, 30]
    assert [policy.gives_up_after(n) for n in (1, 3, 4, 5)] == [False, False, True, True]


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("Tom Hughes\r\nBcc: x@evil.test", "Tom Hughes Bcc: x@evil.test"),
        ("Tom\nHughes", "Tom Hughes"),
        ("Tom\rHughes", "Tom Hughes"),
        ("Tom\x00Hughes\x07", "Tom Hughes"),
        ("Tom\u2028Hughes\u2029", "Tom Hughes"),
        ("Tom\x85Hughes", "Tom Hughes"),
        ("  Tom \t  Hughes  ", "Tom Hughes"),
        ("Siân O'Brien-Łukasz", "Siân O'Brien-Łukasz"),
        ("\r\n", ""),
    ],
)
def test_header_text_is_one_line_without_control_characters(text: str, safe: str) -> None:
    assert header_text(text) == safe
