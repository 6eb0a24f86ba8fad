"""intake's read model: the applicants' tracking view (tracking.py), kept by the store's
append hook and by the consumer from business_desk's case events, and its rebuild
(rebuild.py)."""
