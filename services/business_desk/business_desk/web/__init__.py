"""The web process: the JSON API, the staff pages, their schemas, charts and metrics."""
