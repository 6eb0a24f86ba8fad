"""Personal data: crypto-shredding in immutable events, redaction of credentials, the audit log."""
