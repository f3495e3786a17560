"""Open data: the same rows as CSV (UTF-8 with BOM, so Excel reads the Chinese), JSON and XLSX.
Column keys are stable and documented in docs/open-data.md; values are plain text, ISO dates
and decimal strings (never floats), so every format carries exactly the published figures."""

import csv
import datetime
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

FORMATS = ("csv", "json", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    value: Callable[[Any], Any]


def _plain(value):
    """One cell as text-safe plain data: dates ISO, money as its exact decimal string."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ";".join(str(_plain(item)) for item in value)
    return str(value)


def _xlsx_cell(value):
    if isinstance(value, Decimal | datetime.date) and not isinstance(value, datetime.datetime):
        return value
    return _plain(value)


def rows_of(objects: Iterable, columns: list[Column]) -> Iterable[list[str]]:
    for obj in objects:
        yield [_plain(column.value(obj)) for column in columns]


class _Echo:
    def write(self, value):
        return value


def _csv_stream(objects, columns):
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow([column.key for column in columns])
    for row in rows_of(objects, columns):
        # A leading = + - @ would run as a formula in Excel; a quote keeps it text.
        yield writer.writerow([f"'{cell}" if cell[:1] in ("=", "+", "@") else cell for cell in row])


def export_response(objects: Iterable, columns: list[Column], fmt: str, filename: str) -> HttpResponse:
    """The download of `objects` in `fmt` ('csv', 'json' or 'xlsx') as `<filename>.<fmt>`."""
    if fmt == "csv":
        response = StreamingHttpResponse(_csv_stream(objects, columns), content_type="text/csv; charset=utf-8")
    elif fmt == "json":
        keys = [column.key for column in columns]
        data = [dict(zip(keys, row, strict=True)) for row in rows_of(objects, columns)]
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=1), content_type="application/json; charset=utf-8"
        )
    elif fmt == "xlsx":
        # Imported here: openpyxl adds some 18 MB to every web worker; only downloads need it.
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("data")
        sheet.append([column.key for column in columns])
        for obj in objects:
            # Numbers stay numbers in a spreadsheet (openpyxl writes Decimal exactly as typed).
            sheet.append([_xlsx_cell(column.value(obj)) for column in columns])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
