"""SMTP delivery through aiosmtplib, with every failure sorted into temporary or permanent.

Header text (the recipient's name, the subject) goes through ``header_text`` so that no CR, LF
or other control character in it can add a header or make the send fail, and the envelope names
the one recipient explicitly, whatever the headers say.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable

import aiosmtplib

from services.notifications.config import NotificationsSettings
from services.notifications.domain.identity import mail_domain
from services.notifications.domain.messages import DeliveryError, Outgoing, header_text
from services.notifications.mail import mime
from shared.settings import ConfigurationError


def _code_error(code: int, message: str) -> DeliveryError:
    return DeliveryError(f"SMTP {code}: {message}"[:1000], permanent=500 <= code < 600)


class Mailer:
    def __init__(
        self, settings: NotificationsSettings, timeout_s: float, keep_connections: int = 4
    ) -> None:
        if not settings.smtp_host:
            raise ConfigurationError(
                "SMTP_HOST is not set: name the SMTP server the notifications service sends "
                "through (SMTP_HOST, SMTP_PORT; `alliance up` starts a local one)."
            )
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.username = settings.smtp_username
        self.password = (
            settings.smtp_password.get_secret_value() if settings.smtp_password else None
        )
        self.starttls = settings.smtp_starttls
        self.sender = mime.address(*mime.parse_address(header_text(settings.mail_from)))
        self.envelope_from = mime.parse_address(settings.mail_from)[1]
        self.timeout_s = timeout_s
        self.local_hostname = mail_domain(settings.mail_from)
        self.connections = Connections(size=keep_connections)

    def build(self, outgoing: Outgoing, eight_bit: bool = False) -> bytes:
        """The message's bytes; a header the email package refuses will never send."""
        try:
            return self._build(outgoing, eight_bit)
        except Exception as exc:
            raise DeliveryError(f"cannot build the message: {exc}", permanent=True) from exc

    def _build(self, outgoing: Outgoing, eight_bit: bool) -> bytes:
        return mime.build(
            sender=self.sender,
            to_name=header_text(outgoing.to_name),
            to_email=outgoing.to_email,
            subject=header_text(outgoing.subject),
            message_id=outgoing.message_id,
            text=outgoing.text,
            html=outgoing.html,
            eight_bit=eight_bit,
        )

    async def send(
        self, outgoing: Outgoing, accepted: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        """Deliver one message or raise DeliveryError saying whether trying again can help.

        ``accepted`` runs as soon as the server has taken the message, so the caller can record
        it with the shortest possible gap (the duplicate window). The connection is kept for the
        next message (see ``Connections``); one that fails is closed, never reused.
        """
        client = await self._deliver(outgoing)
        try:
            if accepted is not None:
                await accepted()
        finally:
            self.connections.put_back(client)

    async def _deliver(self, outgoing: Outgoing) -> aiosmtplib.SMTP:
        """Send over a kept connection; one the server has closed meanwhile (it never took the
        message) is replaced by a new one once."""
        client, reused = self.connections.take()
        try:
            try:
                async with asyncio.timeout(self.timeout_s * 3):
                    if client is None:
                        client = self._client()
                        await client.connect()
                    try:
                        await self._transaction(client, outgoing)
                    except aiosmtplib.SMTPServerDisconnected:
                        if not reused:
                            raise
                        client.close()
                        client = self._client()
                        await client.connect()
                        await self._transaction(client, outgoing)
            except BaseException:
                if client is not None:
                    client.close()
                raise
        except aiosmtplib.SMTPResponseException as exc:  # MAIL, RCPT or DATA refused
            raise _code_error(exc.code, exc.message) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            reason = f"{type(exc).__name__}: {exc}".rstrip(": ")
            raise DeliveryError(reason[:1000], permanent=False) from exc
        return client

    async def _transaction(self, client: aiosmtplib.SMTP, outgoing: Outgoing) -> None:
        """EHLO if not yet, then MAIL, RCPT, DATA: what ``sendmail`` sends, less its SIZE
        option, for which aiosmtplib rewrote the line endings of the whole message once more
        just to count its bytes. A body that is not ASCII goes as it is to a server that takes
        8BITMIME (quoted-printable cost more than the rest of the message). A failure leaves
        the transaction open: the caller closes the connection."""
        if client.is_ehlo_or_helo_needed:
            await client.ehlo()
        eight_bit = client.supports_extension("8bitmime")
        message = self.build(outgoing, eight_bit)
        to = outgoing.to_email
        utf8 = not (to.isascii() and self.envelope_from.isascii())
        encoding = "utf-8" if utf8 else "ascii"
        options = [*(["SMTPUTF8"] if utf8 else []), *(["BODY=8BITMIME"] if eight_bit else [])]
        await client.mail(self.envelope_from, options=options, encoding=encoding)
        await client.rcpt(to, encoding=encoding)
        await client.data(message)

    def _client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            username=self.username,
            password=self.password,
            start_tls=self.starttls,
            local_hostname=self.local_hostname,
            timeout=self.timeout_s,
        )

    async def close(self) -> None:
        """QUIT every kept connection (at shutdown)."""
        for client in self.connections.drain():
            try:
                async with asyncio.timeout(self.timeout_s):
                    await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()


class Connections:
    """SMTP connections kept open between messages (a new connection per message was a fifth of
    the CPU per email), at most ``size``, each for at most ``idle_s`` unused: a server closes
    idle clients after a while (RFC 5321 asks it to wait 5 minutes at least)."""

    def __init__(self, size: int, idle_s: float = 60.0) -> None:
        self.size = size
        self.idle_s = idle_s
        self._idle: list[tuple[float, aiosmtplib.SMTP]] = []

    def take(self) -> tuple[aiosmtplib.SMTP | None, bool]:
        """A kept connection, most recently used first, and whether it is one (or None, False)."""
        now = time.monotonic()
        while self._idle:
            since, client = self._idle.pop()
            if now - since < self.idle_s and client.is_connected:
                return client, True
            client.close()
        return None, False

    def put_back(self, client: aiosmtplib.SMTP) -> None:
        if len(self._idle) < self.size and client.is_connected:
            self._idle.append((time.monotonic(), client))
        else:
            client.close()

    def drain(self) -> list[aiosmtplib.SMTP]:
        kept = [client for _, client in self._idle]
        self._idle.clear()
        return kept
