"""The counter's sync client: drains the storage outbox to the central server and pulls
status changes back (SYNC.md, client side). No Qt here; the UI listens to events."""
