"""Users: registration, profiles and accounts."""
