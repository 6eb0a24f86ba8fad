"""intake's web: the JSON API (api.py, schemas.py), the applicants' pages (pages.py) and
the decision letter they download (letters.py)."""
