"""The audit trail: an append-only, hash-chained record of every change (docs/audit.md).

Importing the package registers the sink that appends each unit of work's notes and events
(trail.py): every entry point that writes (the app, the `hallq` command, server/schema.py)
imports it, so no change is committed without its record."""

from server.audit import sealer as sealer
from server.audit import trail as trail
