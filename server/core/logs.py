"""Secrets never reach a log line (API.md, "Limits and privacy").

Browsers cannot set a header on a websocket nor on an <audio> source, so the stream and the
announcement WAV take their token in the query string (`?token=`), and the mobile page's path
holds the customer's key (`/t/<public_id>`). The access log writes each URL: a filter on every
handler rewrites them before any line is formatted, for uvicorn's lines and ours alike.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
# A query parameter named like a secret: token, access_token, password, secret, key, sign, …
SECRET_PARAM = re.compile(
    r"(?P<name>[?&;](?:[\w.-]*token|password|passwd|secret|sign|[\w.-]*key)=)[^&#\s\"'<>]*",
    re.IGNORECASE,
)
# The customer's key in a path: the mobile ticket page and the public ticket endpoints.
PUBLIC_ID_PATH = re.compile(r"(?P<name>/t/|/public/tickets/)[\w-]+")
HANDLED_LOGGERS = ("", "uvicorn", "uvicorn.error", "uvicorn.access")


def redact(text: str) -> str:
    if "=" in text:
        text = SECRET_PARAM.sub(lambda m: m["name"] + REDACTED, text)
    if "/t" in text:
        text = PUBLIC_ID_PATH.sub(lambda m: m["name"] + REDACTED, text)
    return text


def _redact_arg(arg: object) -> object:
    return redact(arg) if isinstance(arg, str) else arg


class RedactSecrets(logging.Filter):
    """Rewrites a record's message, arguments and traceback text; never drops a record."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(self._formatter.formatException(record.exc_info))
        return True


def install_redaction() -> None:
    """Put the filter on every handler of the root and uvicorn loggers (once each). On handlers,
    not loggers: a logger's filter misses the records its children pass up."""
    for name in HANDLED_LOGGERS:
        for handler in logging.getLogger(name).handlers:
            if not any(isinstance(f, RedactSecrets) for f in handler.filters):
                handler.addFilter(RedactSecrets())
