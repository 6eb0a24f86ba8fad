"""The vouchers service's web: the JSON API (api.py: the blueprint, programmes and providers;
vouchers_api.py: vouchers, payments and follow-up; schemas.py), the public and the
citizen's pages (pages.py) and the officer's and provider's pages (work_pages.py)."""
