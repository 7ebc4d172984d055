"""Use cases: each runs in one unit of work, checks who may do it, records events."""
