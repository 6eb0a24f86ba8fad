"""What notify decides without I/O: who may read which record, which event becomes which
message, the email as MIME, the delivery log's events."""
