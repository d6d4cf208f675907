"""Customers' e-mail replies: which part of a reply is new, which ticket it answers, and what is
refused (no ticket, only quoted history, not an e-mail at all)."""

from __future__ import annotations

import pytest

from console.inbound_mail import InboundRefused, new_text, parse_reply

REPLY = (b"From: Jane Doe <Jane.Doe@example.com>\r\n"
         b"To: help@pinecrest.example\r\n"
         b"Subject: Re: Your conversation with Pinecrest Outfitters (ticket H123456)\r\n"
         b"In-Reply-To: <170000.1.2.H123456@pinecrest.example>\r\n"
         b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
         b"Thanks! Could it go to my work address instead?\r\n\r\n"
         b"On Tue, 1 Dec 2026 at 10:00, Pinecrest <help@pinecrest.example> wrote:\r\n"
         b"> Your order 100236 leaves our warehouse tomorrow.\r\n")


def test_a_reply_names_its_ticket_sender_and_new_words() -> None:
    reply = parse_reply(REPLY)
    assert reply.ticket == "H123456" and reply.sender == "jane.doe@example.com"
    assert reply.text == "Thanks! Could it go to my work address instead?"


def test_quoted_history_and_signatures_are_cut() -> None:
    body = "Yes please.\n\n> earlier\n-- \nJane\nSent from my phone"
    assert new_text(body, 100) == "Yes please."
    assert new_text("Fine.\n-----Original Message-----\nFrom: us", 100) == "Fine."
    assert new_text("x" * 50, 10) == "x" * 10


def test_a_multipart_reply_uses_its_plain_text() -> None:
    raw = (b"From: jane.doe@example.com\r\nSubject: Re: ticket H000042\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n\r\nPlain words\r\n--b\r\n"
           b"Content-Type: text/html\r\n\r\n<p>HTML words</p>\r\n--b--\r\n")
    reply = parse_reply(raw)
    assert reply.ticket == "H000042" and reply.text == "Plain words"


@pytest.mark.parametrize(("raw", "status", "says"), [
    (b"", 400, "empty"),
    (b"\x00\xff\xfe binary junk", 400, "From"),
    (b"From: nobody\r\n\r\nhello", 400, "address"),
    (b"From: a@b.example\r\nSubject: hello\r\n\r\nhello", 422, "no ticket"),
    (b"From: a@b.example\r\nSubject: Re: H000001\r\n\r\n> only quoted\r\n", 422, "no new text"),
    (b"From: a@b.example\r\nSubject: Re: H000001\r\nContent-Type: text/html\r\n\r\n<p>x</p>", 422,
     "plain-text"),
])
def test_what_is_not_a_usable_reply_is_refused_clearly(raw: bytes, status: int, says: str) -> None:
    with pytest.raises(InboundRefused, match=says) as refused:
        parse_reply(raw)
    assert refused.value.status == status
