"""Development stack: starts the embedded broker, store and SMTP sink and the services,
for the run command, the tests and the benchmarks. Not used in production."""
