"""The message bytes the mailer sends read back, through the email package's own parser, as the
same names, subject and bodies, with nothing it would call a defect."""

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from services.notifications.mail import mime


def parsed(eight_bit: bool = False, **overrides: str) -> EmailMessage:
    fields = {
        "sender": mime.address("Odyssey Alliance", "no-reply@alliance.example"),
        "to_name": "Tom Hughes",
        "to_email": "tom@school.example",
        "subject": "Booking confirmed: Phonics",
        "message_id": "<1@alliance.example>",
        "text": "Hello Tom",
        "html": "<p>Hello Tom</p>",
    } | overrides
    raw = mime.build(**fields, eight_bit=eight_bit)
    assert all(len(line) <= mime.MAX_LINE for line in raw.splitlines())
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert [part.defects for part in message.walk()] == [[], [], []]
    return message


@pytest.mark.parametrize(
    "name", ["Tom Hughes", "Siân Ó Briain", '"Hughes, Tom" <x@evil.test>', "Dr. J. O'Neil"]
)
def test_a_name_reads_back_as_written_with_the_address_alone(name: str) -> None:
    message = parsed(to_name=name)
    [to] = message["To"].addresses
    assert (to.display_name, to.addr_spec) == (name, "tom@school.example")
    assert message["From"].addresses[0].display_name == "Odyssey Alliance"


@pytest.mark.parametrize(
    "subject", ["Booking confirmed", "Réservation confirmée: " * 6, "Long " * 40]
)
def test_a_subject_reads_back_as_written(subject: str) -> None:
    assert parsed(subject=subject)["Subject"] == subject


@pytest.mark.parametrize("eight_bit", [False, True])
def test_bodies_read_back_as_written_whatever_their_characters_and_line_lengths(
    eight_bit: bool,
) -> None:
    text = "Dear Siân,\n\n" + "£5 " * 600 + "\n.\nFrom the alliance\n"
    html = "<p>" + "x" * 2000 + "</p>\n"
    message = parsed(eight_bit, text=text, html=html)
    assert message.get_body(preferencelist=("plain",)).get_content() == text
    assert message.get_body(preferencelist=("html",)).get_content() == html
    assert message["Message-ID"] == "<1@alliance.example>"
    assert message["Auto-Submitted"] == "auto-generated"


def test_an_address_that_is_not_ascii_is_written_as_it_is() -> None:
    assert mime.address("Siân", "siân@exämple.org").endswith(" <siân@exämple.org>")
    assert mime.address("", "siân@exämple.org") == "siân@exämple.org"


def test_a_body_that_is_not_ascii_goes_as_it_is_where_the_server_takes_8bit() -> None:
    text, html = "Price: £350\n", "<p>Price: £350</p>\n"
    message = parsed(True, text=text, html=html)
    parts = {part.get_content_type(): part for part in message.walk()}
    assert parts["text/plain"]["Content-Transfer-Encoding"] == "8bit"
    assert parts["text/plain"].get_content() == text
    assert parts["text/html"].get_content() == html
    ascii_only = parsed(True)
    assert {
        p["Content-Transfer-Encoding"]
        for p in ascii_only.walk()
        if p.get_content_maintype() == "text"
    } == {"7bit"}
    elsewhere = parsed(False, text=text)
    assert elsewhere.get_body(preferencelist=("plain",))["Content-Transfer-Encoding"] == (
        "quoted-printable"
    )
