"""intake's adapters to what is outside its event store: files applicants attach and
their virus scan (attachments.py, GridFS), the sign-in links sent by email
(signin_links.py), business_desk's live processing-time figures (figures.py) and the
applicant's delivery log from notify (messages.py)."""
