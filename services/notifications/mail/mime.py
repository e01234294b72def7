"""One notification as the bytes sent over SMTP: multipart/alternative, a plain text part and
an HTML part, written directly rather than through ``EmailMessage`` (whose default policy parsed
every header it was given again: a fifth of the notifications service's CPU per email).

Header values come in already cleaned (``header_text``: no CR, LF or other control character);
a name or subject that is not ASCII is RFC 2047 encoded, a name with specials is quoted, and a
body that is not ASCII is sent as it is (8bit) to a server that takes 8BITMIME, else (or if a
line is too long for SMTP) quoted-printable.
"""

import binascii
import os
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr

MAX_LINE = 998  # RFC 5321: a line of the DATA, without its CRLF


def address(name: str, email: str) -> str:
    """``Name <email>`` with the name quoted or RFC 2047 encoded as needed (an address that
    is not ASCII, sent with SMTPUTF8, is written as it is)."""
    if email.isascii():
        return formataddr((name, email), charset="utf-8")
    shown = formataddr((name, "@"), charset="utf-8")  # the name part, then " <@>"
    return f"{shown[:-3]}<{email}>" if name else email


def header(text: str) -> str:
    """An unstructured header's value (``Subject``), folded or encoded as RFC 5322 needs."""
    if text.isascii() and len(text) < 70:
        return text
    charset = "us-ascii" if text.isascii() else "utf-8"
    return Header(text, charset, maxlinelen=76).encode(linesep="\r\n")


def _body(text: str, subtype: str, eight_bit: bool) -> bytes:
    """One part: its headers and its body, 7bit when it can be, 8bit if allowed, else
    quoted-printable (line endings become CRLF as the message is sent). The text ends with a
    line break, as ``EmailMessage.set_content`` makes it."""
    if not text.endswith("\n"):
        text += "\n"
    body = text.encode()
    ascii = text.isascii()
    if (ascii or eight_bit) and max(map(len, body.split(b"\n"))) <= MAX_LINE:
        encoding = "7bit" if ascii else "8bit"
    else:
        encoding = "quoted-printable"
        body = binascii.b2a_qp(body, istext=True)
    head = (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        f"Content-Transfer-Encoding: {encoding}\r\n\r\n"
    ).encode()
    return head + body + b"\r\n"  # this line break belongs to the delimiter that follows


def parse_address(value: str) -> tuple[str, str]:
    """(name, email) of a ``Name <email>`` value such as ``MAIL_FROM``."""
    return parseaddr(value)


def build(
    *,
    sender: str,
    to_name: str,
    to_email: str,
    subject: str,
    message_id: str,
    text: str,
    html: str,
    eight_bit: bool = False,
) -> bytes:
    """The whole message, CRLF line endings, ready for ``SMTP.data``; ``eight_bit`` if the
    server takes 8BITMIME (and is told ``BODY=8BITMIME``)."""
    boundary = f"=_alliance_{binascii.hexlify(os.urandom(12)).decode()}"
    head = (
        f"From: {sender}\r\n"
        f"To: {address(to_name, to_email)}\r\n"
        f"Subject: {header(subject)}\r\n"
        f"Message-ID: {message_id}\r\n"
        f"Date: {formatdate(usegmt=True)}\r\n"
        "Content-Language: en-GB\r\n"
        "Auto-Submitted: auto-generated\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'
    ).encode()
    delimiter = f"--{boundary}\r\n".encode()
    return b"".join(
        (
            head,
            delimiter,
            _body(text, "plain", eight_bit),
            delimiter,
            _body(html, "html", eight_bit),
            f"--{boundary}--\r\n".encode(),
        )
    )
