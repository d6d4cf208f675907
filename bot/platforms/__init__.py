"""Messaging-platform channels: Telegram, Slack, Facebook Messenger and WhatsApp (Twilio).

Each is Rasa's own input channel for that platform, subclassed (same channel name, same
webhook path ``/webhooks/<name>/webhook``) where Rasa's version falls short of what a
company needs in production:

* every request's signature or secret token is checked before anything is read;
* the platform's retried deliveries (same message id) are processed once;
* the webhook answers at once and the conversation runs in the background, so a slow turn
  never makes the platform deliver the message again;
* replies go out through one sender with retries and back-off (429 / 5xx / timeouts,
  honouring ``Retry-After``), to an API base URL that configuration can change;
* the same guard as the web channels (``bot.channels``): input cleaning, per-conversation
  rate limit, the never-silent rule, and a clear reply to what the channel cannot read;
* buttons become what the platform can show.

``common`` holds that shared part; each platform's module only knows its wire format.
They are switched on by environment variables (``shopdesk.platform_settings``); the stack
adds the switched-on ones to the credentials it gives Rasa.
"""
