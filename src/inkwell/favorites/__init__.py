"""The favorites domain."""
