"""Pushing citizen events to the citizen's registered endpoints: signed webhooks (Standard Webhooks) to an
app backend and Web Push (VAPID) to browsers, through an outbox with retries and a postal fallback."""
