"""Tags: lower-case labels shared by posts."""
