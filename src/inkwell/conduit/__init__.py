"""The Conduit (RealWorld) dialect of the API under `/api`: the same domain, its envelopes."""
