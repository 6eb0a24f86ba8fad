"""Catalogues the services share as data, not code: the case types (intake, business_desk,
notify) and the voucher programmes (vouchers, notify). Configuration read from YAML files;
no I/O beyond reading them."""
