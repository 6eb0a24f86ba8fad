"""notify's adapters: the outgoing mail and its delivery log in the store, the sealed
letters, SMTP, the SMS gateway and the dispatcher."""
