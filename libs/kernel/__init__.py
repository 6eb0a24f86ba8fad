"""The event-sourcing kernel every service shares: envelope, event store, outbox relay,
idempotent consumer loop, settings, telemetry and the working-day calendar."""
