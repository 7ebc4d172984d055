"""A hall's public face: its hours, notice and each service's queue, for anyone (API.md,
"Opening days and public information"). Reads the halls' configuration and the live queue."""
