"""Reproducible exports: one date for everything a file records, and zip archives
(PPTX, XLSX) whose bytes depend only on their contents.

The date is ``SOURCE_DATE_EPOCH`` (seconds since 1970, UTC; the reproducible-builds
convention) when it is set, else the start of today (UTC). Every export made from the
same data on the same day — or with the same ``SOURCE_DATE_EPOCH`` on any machine — is
byte for byte the same file, so a briefing file's checksum proves what it shows.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile

from geo.core.errors import LnmapError

ENV = "SOURCE_DATE_EPOCH"
_OFFICE_DATE = re.compile(r"(<dcterms:(?:created|modified)\b[^>]*>)([^<]*)(</dcterms:)")
#: Zip can't record dates before 1980.
_ZIP_EPOCH = dt.datetime(1980, 1, 1, tzinfo=dt.UTC)


def export_time() -> dt.datetime:
    """The moment exports record as their creation (UTC, whole seconds)."""
    raw = os.environ.get(ENV, "").strip()
    if raw:
        try:
            seconds = int(raw)
        except ValueError:
            raise LnmapError(f"{ENV}={raw!r} is not a whole number of seconds since 1970-01-01") from None
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    now = dt.datetime.now(dt.UTC)
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def export_date() -> dt.date:
    """The date printed on exported maps (the date of :func:`export_time`)."""
    return export_time().date()


def normalise_zip(data: bytes, when: dt.datetime | None = None) -> bytes:
    """The same archive with every member dated ``when`` and no per-machine attributes.

    Members keep their order, names, contents and compression; only the timestamps
    (which python-pptx and openpyxl take from the clock), the file attributes and the
    Office document dates in ``docProps/core.xml`` change.
    """
    when = max(when or export_time(), _ZIP_EPOCH)
    stamp = when.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = info.compress_type
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 3  # Unix, whatever made the file
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _OFFICE_DATE.sub(lambda m: m.group(1) + when.strftime("%Y-%m-%dT%H:%M:%SZ") + m.group(3),
                                        body.decode("utf-8")).encode("utf-8")
            dst.writestr(fixed, body)
    return out.getvalue()
