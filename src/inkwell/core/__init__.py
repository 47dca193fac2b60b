"""Shared kit: settings, database, errors and schema helpers."""
