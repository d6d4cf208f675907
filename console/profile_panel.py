"""The customer beside the conversation: what the profile store holds about them — only when
they consented (without consent the store keeps nothing, and the panel says so) — and the
orders of the e-mail address they proved."""

from __future__ import annotations

from typing import Any

from commerce.service import StoreService
from profiles.service import identity_channel
from profiles.store import ProfileStore


def profile_panel(profiles: ProfileStore | None, store: StoreService, conversation: str,
                  rasa_channel: str | None, limit: int = 5) -> dict[str, Any]:
    if profiles is None:
        return {"consented": False, "note": "The profile store is switched off."}
    customer = profiles.find(identity_channel(rasa_channel), conversation)
    if customer is None:
        return {"consented": False, "note": "No profile: this customer has not agreed to be "
                                            "remembered."}
    data = profiles.export(customer)
    granted = bool(data.consents) and data.consents[-1].granted
    if not granted:
        return {"consented": False, "note": "This customer declined to be remembered."}
    emails = [i.value for i in data.identities if i.channel == "email" and i.verified]
    orders = [o for email in emails for o in store.recent_orders(email, limit=limit)]
    conversations: dict[str, Any] = {}
    for item in data.interactions:
        conversations.setdefault(item.conversation, item)
    return {
        "consented": True,
        "channels": sorted({i.channel for i in data.identities}),
        "verified_email": bool(emails),
        "orders": [{"number": o.number, "status": o.status.value, "placed": o.placed_at.date()
                    .isoformat(), "total": f"£{o.total_cents / 100:,.2f}"}
                   for o in sorted(orders, key=lambda o: o.placed_at, reverse=True)[:limit]],
        "past_conversations": len(conversations),
        "interests": dict(sorted(data.interests.items(), key=lambda kv: -kv[1])[:5]),
        "mood_history": [{"at": p.at.isoformat(timespec="minutes"), "mood": round(p.mood, 2)}
                         for p in sorted(data.mood_history, key=lambda p: p.at)[-20:]],
    }
