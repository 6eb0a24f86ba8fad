"""The read models: the case documents (the queues, the case pages, the exports), the
processing-time buckets and the satisfaction buckets, their queries and their rebuild."""
