"""The whole schema: every domain's tables on one metadata (Alembic, the migration tests)."""

from __future__ import annotations

from server.alerts import models as _alerts
from server.appointments import models as _appointments
from server.audit import models as _audit
from server.auth import models as _auth
from server.complaints import models as _complaints
from server.core import lease as _lease
from server.core.models import Base
from server.halls import models as _halls
from server.regions import models as _regions
from server.stats import models as _stats
from server.tickets import models as _tickets
from server.webhooks import models as _webhooks

metadata = Base.metadata
DOMAIN_MODELS = (
    _alerts,
    _appointments,
    _audit,
    _auth,
    _complaints,
    _halls,
    _lease,
    _regions,
    _stats,
    _tickets,
    _webhooks,
)
"""Imported for their tables; a new domain with tables adds its `models` here."""
