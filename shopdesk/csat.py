"""The rating question (CSAT), shared by the bot (actions.rating) and the agent console's
handback, so a customer is asked the same way whoever served them."""

from __future__ import annotations

RATING_BUTTONS = [{"title": f"{n} {'★' * n}", "payload": f'/rate_service{{"csat_score": "{n}"}}'}
                  for n in (5, 4, 3, 2, 1)]
ASK_TEXT = "Before you go: how did we do? Tap a rating from 5 (great) to 1 (poor)."
