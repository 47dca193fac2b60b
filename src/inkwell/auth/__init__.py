"""Authentication: OAuth2 password flow issuing short-lived signed JWTs."""
