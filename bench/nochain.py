"""`hallq` without the audit trail's sink: the bench's "before" of issuing throughput.

    python -m bench.nochain serve --host 127.0.0.1 --port 8000

The same server, with nothing appended to the hash chain (the notes are dropped). Only for
measuring what the chain costs, in the same run as the real server; never for production."""

from __future__ import annotations

import sys

from server.cli import app
from server.core import trail

if __name__ == "__main__":
    trail.sinks().clear()
    sys.exit(app())
