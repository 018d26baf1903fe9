"""The service's own web pages and APIs: call records API, agent desktop, agent whisper audio."""
