"""intake's domain: an inquiry's commands and the events they decide (inquiries.py),
what the applicant sees of their case as it evolves from those and business_desk's case
events (tracking.py), which cases a signed-in applicant reaches (access.py) and
organisation numbers (organisation.py). Pure logic, no I/O."""
