"""Pure building blocks of the services' domains: working days and deadlines, actors."""
