"""Posts: written by users, tagged, listed newest first."""
