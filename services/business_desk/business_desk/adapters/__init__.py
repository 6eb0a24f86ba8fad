"""What business_desk asks of other services: the files attached in intake, the
deliveries notify made."""
