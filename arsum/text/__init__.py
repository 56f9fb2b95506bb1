"""Reading text in: bytes and files to releases and sentences; pure Python, no models."""
