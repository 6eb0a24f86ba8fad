"""The vouchers service's web: the JSON API (api.py, schemas.py), the public and the
citizen's pages (pages.py) and the officer's and provider's pages (work_pages.py)."""
