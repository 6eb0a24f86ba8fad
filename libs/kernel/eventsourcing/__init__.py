"""Event sourcing: the envelope, the event store, the outbox relay, the idempotent consumer,
dead letters, event contracts and read-model rebuilds."""
