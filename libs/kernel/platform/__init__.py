"""What every process runs on: settings, connections, telemetry, logs, metrics, retries,
dependency tracking and the process runners."""
