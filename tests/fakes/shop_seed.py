"""What the fake shops (Shopify, WooCommerce) share: the demo store's orders and products,
ready to be written in each platform's own shape, and page-cutting."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from commerce.catalogue import CATALOGUE
from commerce.records import Order, Product
from commerce.seed import demo_orders

_CITY_ZIP = re.compile(r"^(?P<city>.+?)\s+(?P<zip>[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2})$")


@dataclass(frozen=True)
class Address:
    line1: str
    city: str
    postcode: str
    country: str


def address(text: str) -> Address:
    """The seed's "12 Maple Street, Leeds LS1 4AP, United Kingdom" as fields."""
    line1, city_zip, country = (p.strip() for p in text.split(",", 2))
    match = _CITY_ZIP.match(city_zip)
    assert match, city_zip
    return Address(line1, match["city"], match["zip"], country)


def card(method: str) -> tuple[str, str]:
    """("Visa", "4242") from "Visa ending 4242"; ("", "") for PayPal."""
    match = re.match(r"(\w+) ending (\d{4})", method)
    return (match[1], match[2]) if match else ("", "")


def noon(day: date) -> datetime:
    """A shipment's events happen at midday UTC (a date is all the seed knows)."""
    return datetime.combine(day, time(12, 0))


def seed_orders(now: datetime) -> list[Order]:
    return demo_orders(now)


def seed_products() -> tuple[Product, ...]:
    return CATALOGUE


def money(cents: int) -> str:
    return f"{cents / 100:.2f}"


def page(items: list, number: int, size: int) -> list:
    return items[(number - 1) * size: number * size]


def later(day: date, days: int) -> date:
    return day + timedelta(days=days)
