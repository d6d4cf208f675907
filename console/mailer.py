"""E-mail to customers (the reply a customer was promised when they left the chat), over SMTP:
``SHOPDESK_SMTP_HOST`` (unset: e-mail is off), ``SHOPDESK_SMTP_PORT`` (587), ``SHOPDESK_SMTP_USER``
/ ``SHOPDESK_SMTP_PASSWORD`` (optional), ``SHOPDESK_SMTP_FROM``, ``SHOPDESK_SMTP_STARTTLS``
(on by default, except on port 25). Failures raise ``MailError`` with a reason that names no
secret."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from shopdesk.errors import ShopdeskError
from shopdesk.settings import Settings


class MailError(ShopdeskError):
    pass


class Mailer:
    def __init__(self, settings: Settings, timeout: float = 15.0) -> None:
        self.settings = settings
        self.timeout = timeout

    @property
    def enabled(self) -> bool:
        return bool(self.settings.smtp_host)

    def send(self, to: str, subject: str, body: str, ticket: str) -> str:
        """Send one plain-text e-mail; returns its Message-ID (kept with the conversation)."""
        s = self.settings
        if not self.enabled:
            raise MailError("e-mail is not configured (SHOPDESK_SMTP_HOST)")
        message = EmailMessage()
        message["From"] = s.smtp_from
        message["To"] = to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(idstring=ticket, domain=s.smtp_from.split("@")[-1])
        message["X-Shopdesk-Ticket"] = ticket
        message.set_content(body)
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self.timeout) as smtp:
                smtp.ehlo()
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if s.smtp_user:
                    smtp.login(s.smtp_user, s.smtp_password.reveal())
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as e:
            raise MailError(f"the e-mail could not be sent ({type(e).__name__})") from None
        return str(message["Message-ID"])
