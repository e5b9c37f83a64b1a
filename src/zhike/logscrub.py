"""Access logs without personal data (SEC-5): a search box's ``?q=`` and a duplicate
check's phone or name would otherwise land in the server log in clear. The values of the
query parameters below are replaced by ``***`` in every message of the loggers this
filter is installed on (settings.LOGGING); gunicorn logs the path without its query
string at all (``zhike serve``)."""

import logging
import re

PERSONAL_PARAMETERS = ("q", "phone", "mobile", "name", "uscc", "id_number", "contact")
_NAMES = "|".join(PERSONAL_PARAMETERS)
_PARAMETER = re.compile(rf"([?&](?:{_NAMES})=)[^&\s\"']*")


def scrub(text: str) -> str:
    return _PARAMETER.sub(r"\1***", text)


class ScrubPersonalQueries(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(scrub(a) if isinstance(a, str) else a for a in record.args)
        return True


class NoTracebackForClientErrors(logging.Filter):
    """A 403 or 404 is the client's, not a fault of the server: Django logs it with the
    exception's traceback (60 of them in one demo log). Keep the line, drop the trace."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
