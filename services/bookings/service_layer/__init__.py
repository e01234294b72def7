"""Use cases: load, apply a domain rule, save, and record the events, in one transaction."""
