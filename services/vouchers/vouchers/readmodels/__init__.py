"""The vouchers service's read models: the projections kept by the store's append hook
(projections.py), the published comparison kept from them (published.py), and their
rebuild from the events (rebuild.py)."""
