"""Running the service in production: the drain on SIGTERM, the server, metrics and traces."""
