"""notify's web process: the delivery log's API and its gauges."""
