"""The kernel every service shares, by concern:

- `kernel.eventsourcing`: the envelope, the event store, the outbox relay, the idempotent
  consumer, dead letters, contracts and read-model rebuilds;
- `kernel.platform`: settings, connections, telemetry, logs, metrics, retries,
  dependency tracking, process runners and the service declaration;
- `kernel.web`: the app factory, sign-in and tokens, rate limits, i18n, paging and the
  fields every form and API takes;
- `kernel.privacy`: personal data (crypto-shredding), redaction and the audit log;
- `kernel.domain`: pure building blocks of the services' domains (working days, actors).

The kernel knows no service: a service declares what it is and the kernel runs it."""
