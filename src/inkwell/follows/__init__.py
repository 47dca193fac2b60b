"""The follows domain."""
