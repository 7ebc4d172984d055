"""Every key this project stores in a SQLAlchemy `session.info`, in one place.

`session.info` is a plain dict that lives as long as its session. Most sessions live for one
transaction; the group committer's session (server/core/writer.py) lives from batch to batch,
and after each committed batch it clears everything but `ROWS`. Keep the values distinct: a
test (tests/test_session_keys.py) checks that no other module uses a key of its own.
"""

from __future__ import annotations

AFTER_COMMIT = "hallq_after_commit"
"""Callables to run, in order, once the transaction has committed (`writer.after_commit`).
Lives one transaction: the writer pops it at the commit, or drops it when the job or the
transaction fails (nothing then runs)."""

ON_COMMIT = "hallq_on_commit"
"""Cheap callables (no I/O) to run as soon as the transaction has committed, before the writer
answers any request of the batch (`writer.on_commit`): what the client's next request must
already see, such as a forgotten login cache. Lives one transaction, like `AFTER_COMMIT`."""

MEMO = "hallq_memo"
"""Figures computed once per transaction (`repository.memo`), by key. Lives one transaction,
and goes earlier when a job of the group committer's batch fails."""

ROWS = "hallq_rows"
"""Rows kept for the session's use (`repository.row`, `served_by`), by (model, id) or key.
Lasts one transaction, except in the group committer's session: there it lasts as long as it
is known to be current (no commit by another connection or another session in between, no
failed job or batch)."""

DBAPI = "hallq_dbapi"
"""The driver connection and dialect of the session's transaction (`prepared.driver`). Set
when a transaction begins, removed when the outermost transaction ends."""
