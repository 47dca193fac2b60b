"""Idempotent retries of POST requests, after the IETF Idempotency-Key draft."""
