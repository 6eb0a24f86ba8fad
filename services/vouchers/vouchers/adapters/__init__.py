"""The vouchers service's adapters to what is outside it (other services' APIs, mail,
files). It has none of its own: it reads no other service, and its store, key vault
and broker are the kernel's (kernel.platform.connections)."""
