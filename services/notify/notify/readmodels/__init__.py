"""notify's read models: the recipients (rebuilt from the kept events) and what is read
of the outgoing mail."""
