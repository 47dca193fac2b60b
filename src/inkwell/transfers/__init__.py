"""Credit transfers between users, and the ledger that records every movement."""
