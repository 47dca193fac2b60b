"""Inkwell: async users, posts, tags and credits service."""
