"""E-mail to customers over SMTP, against a local SMTP server."""

from __future__ import annotations

import pytest

from console.mailer import Mailer, MailError
from shopdesk.errors import ConfigError
from shopdesk.settings import Settings
from tests.fakes.smtp import FakeSmtp


def test_a_reply_is_sent_with_its_ticket_and_a_clear_error_when_it_cannot_be() -> None:
    smtp = FakeSmtp().start()
    try:
        mailer = Mailer(Settings.from_env(smtp.env()))
        message_id = mailer.send("jane.doe@example.com", "Your conversation (ticket H000001)",
                                 "Your refund went out today.", "H000001")
        (sent,) = smtp.messages
        assert sent["To"] == "jane.doe@example.com" and sent["X-Shopdesk-Ticket"] == "H000001"
        assert "".join(sent["Message-ID"].split()) == message_id  # a long id may be folded
        assert "refund went out" in sent.get_payload()
        assert smtp.envelopes == [("help@pinecrest.example", ["jane.doe@example.com"])]
    finally:
        smtp.stop()
    closed = Mailer(Settings.from_env({**smtp.env(), "SHOPDESK_SMTP_PORT": str(smtp.port)}),
                    timeout=2)
    with pytest.raises(MailError, match="could not be sent"):
        closed.send("jane.doe@example.com", "s", "b", "H000001")  # the server is gone
    with pytest.raises(MailError, match="not configured"):
        Mailer(Settings.from_env({})).send("a@b.c", "s", "b", "H1")
    with pytest.raises(ConfigError, match="SHOPDESK_SMTP_FROM"):
        Settings.from_env({"SHOPDESK_SMTP_HOST": "mail.example.com"})
