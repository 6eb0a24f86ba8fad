"""What every web process shares: the app factory, tokens and sign-in, rate limits, i18n,
paging and the fields every form and API takes."""
