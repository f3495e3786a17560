"""Import of the inspection directories (disclosures.models.directories) from CSV or XLSX.

A file has one heading row (row 1) and one entry per row after it. Headings are the ones the admin
export writes (the fields' verbose names, in Chinese or English) or the field names. Every row is
checked with a ModelForm, so the model's validators apply (the check character of a unified social
credit code, lengths, choices). Rows are matched to existing entries by the directory's natural key:
a known key updates that entry, an unknown one adds an entry; entries missing from the file are kept.

All or nothing: ``prepare()`` reads and checks the whole file and returns either every error (with
its spreadsheet row and column heading) or a plan that ``apply()`` saves in one transaction.

No views here: directory_admin.py holds the admin screens.
"""

from __future__ import annotations

import copy
import csv
import io
import logging
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import models, transaction
from django.forms.models import modelform_factory
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from disclosures.models.directories import InspectedInstitution, InspectionItem, Inspector

logger = logging.getLogger(__name__)

#: Most data rows (the heading row not counted) one file may hold.
MAX_ROWS = 10_000
#: Largest file accepted, in bytes.
MAX_BYTES = 5 * 1024 * 1024
#: Largest uncompressed size of an XLSX workbook: a small file must not unpack into gigabytes.
MAX_XLSX_UNPACKED_BYTES = 200 * 1024 * 1024
#: Rows read from a file at most, empty ones included (a sheet may claim a million empty rows).
_MAX_PHYSICAL_ROWS = 5 * MAX_ROWS
_BATCH_SIZE = 500

_XLSX_SIGNATURE = b"PK\x03\x04"
_TRUE_WORDS = {"是", "true", "1", "yes", "y", "t"}
_FALSE_WORDS = {"否", "false", "0", "no", "n", "f"}


@dataclass(frozen=True)
class Directory:
    """One directory as the import and the export see it."""

    model: type[models.Model]
    #: The natural key: unique, identifies the entry across imports.
    key: str
    #: The columns, in the order the export writes them and the template shows them.
    columns: tuple[str, ...]
    #: Whether the key is compared and stored in upper case.
    upper_key: bool = False

    @property
    def label(self) -> str:
        return self.model._meta.label

    def field(self, name: str) -> models.Field:
        return self.model._meta.get_field(name)

    def heading(self, name: str) -> str:
        """The column heading of a field in the active language, as the export writes it."""
        return capfirst(str(self.field(name).verbose_name))

    def headings(self) -> list[str]:
        return [self.heading(name) for name in self.columns]

    def required(self, name: str) -> bool:
        """A column the file must have: the field has neither a default nor an empty value."""
        model_field = self.field(name)
        return not model_field.blank and not model_field.has_default()

    def normalise_key(self, value: str) -> str:
        value = (value or "").strip()
        return value.upper() if self.upper_key else value


DIRECTORIES: dict[type[models.Model], Directory] = {
    InspectionItem: Directory(InspectionItem, "code", ("code", "name", "legal_basis", "method", "active")),
    InspectedInstitution: Directory(
        InspectedInstitution,
        "credit_code",
        ("name", "credit_code", "institution_type", "region", "level", "credit_rating", "active"),
        upper_key=True,
    ),
    Inspector: Directory(
        Inspector, "certificate_number", ("name", "certificate_number", "unit", "region", "active"), upper_key=True
    ),
}


def directory_for(model) -> Directory:
    return DIRECTORIES[model]


# Errors -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One problem of an uploaded file: of the file itself (``row`` None) or of one row, and then
    of one column (``column``, its heading) or of the row as a whole."""

    message: str
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column is None:
            return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}
        return _("Row %(row)s, “%(field)s”: %(message)s") % {
            "row": self.row,
            "field": self.column,
            "message": self.message,
        }


class ImportFailed(Exception):
    """The file cannot be imported; ``errors`` says why (every row error, or one file error)."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in self.errors))


def _file_error(message: str) -> ImportFailed:
    return ImportFailed([Problem(message)])


def _too_many_rows() -> ImportFailed:
    return _file_error(
        _("The file has more than %(max)s rows. Split it into several files and import them one by one.")
        % {"max": f"{MAX_ROWS:,}"}
    )


# Reading the file ---------------------------------------------------------------------------------


@dataclass
class Table:
    """The cells of an uploaded file as text: the heading row and the data rows that are not empty,
    each with its row number in the spreadsheet (the heading row is row 1)."""

    headings: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        if getattr(value, "hour", 0) == 0 and getattr(value, "minute", 0) == 0 and hasattr(value, "date"):
            value = value.date()
        return value.isoformat()
    return str(value)


def _table(records) -> Table:
    """A Table from an iterable of rows of cell values, numbered from 1."""
    table = None
    for number, record in enumerate(records, start=1):
        if number > _MAX_PHYSICAL_ROWS:
            raise _too_many_rows()
        cells = [_cell_text(value).strip() for value in record]
        if table is None:
            if not any(cells):
                raise _file_error(_("The first row must hold the column headings, but it is empty."))
            table = Table(headings=cells)
            continue
        if not any(cells):
            continue
        table.rows.append((number, cells))
        if len(table.rows) > MAX_ROWS:
            raise _too_many_rows()
    if table is None:
        raise _file_error(_("The file is empty."))
    if not table.rows:
        raise _file_error(_("The file has column headings but no rows to import."))
    return table


def _read_csv(content: bytes) -> Table:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _file_error(
            _("This CSV file is not in UTF-8. In Excel, save it as “CSV UTF-8” or as an XLSX workbook.")
        ) from None
    if "\x00" in text:
        raise _file_error(_("This CSV file could not be read: it may be damaged or not a text file."))
    try:
        return _table(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise _file_error(_("This CSV file could not be read: it may be damaged or not a text file.")) from None


def _read_xlsx(content: bytes) -> Table:
    from openpyxl import load_workbook

    unreadable = _("This XLSX file could not be read: it may be damaged or not really an XLSX workbook.")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNPACKED_BYTES:
                raise _file_error(unreadable)
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except ImportFailed:
        raise
    except Exception:  # openpyxl raises many kinds (BadZipFile, KeyError, ValueError, XML errors).
        raise _file_error(unreadable) from None
    try:
        if not workbook.worksheets:
            raise _file_error(unreadable)
        sheet = workbook.worksheets[0]
        return _table(sheet.iter_rows(values_only=True))
    except ImportFailed:
        raise
    except Exception:
        raise _file_error(unreadable) from None
    finally:
        workbook.close()


def read_table(uploaded) -> Table:
    """The cells of an uploaded file (a Django UploadedFile or any object with ``name``, ``size``
    and ``read()``): a CSV in UTF-8, with or without a byte-order mark, or an XLSX workbook (its
    first sheet). Raises ImportFailed with one clear message for anything else."""
    size = getattr(uploaded, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _file_error(_("The file is larger than %(size)s MB.") % {"size": MAX_BYTES // (1024 * 1024)})
    content = uploaded.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise _file_error(_("The file is larger than %(size)s MB.") % {"size": MAX_BYTES // (1024 * 1024)})
    suffix = PurePath(getattr(uploaded, "name", "") or "").suffix.lower()
    if content.startswith(_XLSX_SIGNATURE) and suffix in (".xlsx", ".csv", ""):
        return _read_xlsx(content)
    if suffix == ".xlsx":
        return _read_xlsx(content)
    if suffix == ".csv":
        return _read_csv(content)
    raise _file_error(_("Only CSV (UTF-8) and XLSX files can be imported."))


# Headings and values --------------------------------------------------------------------------------


def _normal(text) -> str:
    """Text compared loosely: full-width forms folded (（ is (), case and all spaces ignored."""
    return "".join(unicodedata.normalize("NFKC", str(text)).casefold().split())


def _languages() -> list[str]:
    languages = [code for code, _name in settings.LANGUAGES]
    active = translation.get_language()
    if active and active not in languages:
        languages.insert(0, active)
    return languages


def _in_every_language(text) -> set[str]:
    """The loose forms of a lazily translated text in every language of the site."""
    forms_ = set()
    for language in _languages():
        with translation.override(language):
            forms_.add(_normal(text))
    return forms_


def _heading_names(directory: Directory) -> dict[str, str]:
    """Loose heading → field name: the field name and its verbose name in every language."""
    names = {}
    for name in directory.columns:
        names[_normal(name)] = name
        for form in _in_every_language(directory.field(name).verbose_name):
            names.setdefault(form, name)
    return names


def _choice_values(model_field: models.Field) -> dict[str, str]:
    """Loose stored value or label (in any language) → stored value."""
    values = {}
    for value, label in model_field.choices:
        if value != "":
            values[_normal(value)] = value
        for form in _in_every_language(label):
            values.setdefault(form, value)
    return values


def _boolean_words() -> tuple[set[str], set[str]]:
    true_words = {_normal(word) for word in _TRUE_WORDS}
    false_words = {_normal(word) for word in _FALSE_WORDS}
    # "Yes" and "No" as the export writes them, in every language (Django's own translations).
    true_words |= _in_every_language(translation.gettext_lazy("Yes"))
    false_words |= _in_every_language(translation.gettext_lazy("No"))
    return true_words, false_words


def _join(items) -> str:
    return " / ".join(str(item) for item in items)


def choice_labels(model_field: models.Field) -> list[str]:
    """The labels of a field's choices in the active language."""
    return [str(label) for _value, label in model_field.choices]


def boolean_text(value: bool) -> str:
    """A yes/no value as the export writes it (是/否 in Chinese)."""
    return _("Yes") if value else _("No")


def choice_text(model_field: models.Field, value) -> str:
    """A stored choice as the export writes it: its label in the active language."""
    return str(dict(model_field.choices).get(value, value))


@dataclass(frozen=True)
class ColumnHelp:
    heading: str
    name: str
    required: bool
    description: str


def column_help(directory: Directory) -> list[ColumnHelp]:
    """What each column holds, for the import page."""
    rows = []
    for name in directory.columns:
        model_field = directory.field(name)
        parts = []
        if name == directory.key:
            parts.append(_("Identifies the entry: a row with a value already in the directory updates that entry."))
        if isinstance(model_field, models.BooleanField):
            parts.append(_("Yes or no."))
        elif model_field.choices:
            parts.append(_("One of: %(choices)s.") % {"choices": _join(choice_labels(model_field))})
        elif isinstance(model_field, models.CharField):
            parts.append(_("Text, at most %(length)s characters.") % {"length": model_field.max_length})
        else:
            parts.append(_("Text."))
        if _keeps_when_empty(model_field):
            parts.append(
                _("Empty keeps the current value (new entries: %(default)s).")
                % {"default": _display(model_field, model_field.get_default())}
            )
        if model_field.help_text:
            parts.append(str(model_field.help_text))
        rows.append(ColumnHelp(directory.heading(name), name, directory.required(name), " ".join(parts)))
    return rows


def _keeps_when_empty(model_field: models.Field) -> bool:
    """An empty cell of such a field keeps the current value, or gives a new entry the default:
    the field must have a value, and has a default."""
    return not model_field.blank and model_field.has_default()


def _display(model_field: models.Field, value) -> str:
    if isinstance(model_field, models.BooleanField):
        return boolean_text(bool(value))
    if model_field.choices:
        return choice_text(model_field, value)
    return str(value)


# Checking the rows ----------------------------------------------------------------------------------


class _RowForm(forms.ModelForm):
    def validate_unique(self):
        # Keys are checked once for the whole file (prepare()), not with a query per row.
        pass


@dataclass
class Plan:
    """A checked file, ready to be saved."""

    directory: Directory
    fields: list[str]
    new: list[models.Model] = field(default_factory=list)
    changed: list[models.Model] = field(default_factory=list)
    unchanged: int = 0


@dataclass(frozen=True)
class Result:
    created: int
    updated: int
    unchanged: int


def _map_headings(directory: Directory, headings: list[str]) -> dict[int, str]:
    """Column index → field name. Raises ImportFailed naming unknown, repeated or missing columns."""
    known = _heading_names(directory)
    columns: dict[int, str] = {}
    unknown, repeated = [], []
    seen: dict[str, str] = {}
    for index, heading in enumerate(headings):
        if not heading:
            continue
        name = known.get(_normal(heading))
        if name is None:
            unknown.append(heading)
        elif name in seen:
            repeated.append(heading)
        else:
            seen[name] = heading
            columns[index] = name
    errors = []
    if unknown:
        errors.append(
            Problem(
                _("Unknown columns: %(columns)s. The columns are: %(expected)s.")
                % {"columns": _join(f"“{h}”" for h in unknown), "expected": _join(directory.headings())}
            )
        )
    for heading in repeated:
        errors.append(Problem(_("The column “%(column)s” appears more than once.") % {"column": heading}))
    missing = [directory.heading(name) for name in directory.columns if directory.required(name) and name not in seen]
    if missing:
        errors.append(Problem(_("Missing columns: %(columns)s.") % {"columns": _join(f"“{h}”" for h in missing)}))
    if errors:
        raise ImportFailed(errors)
    return columns


def _check_unnamed_columns(table: Table, columns: dict[int, str]) -> None:
    """A column without a heading may only be empty (Excel often keeps blank columns)."""
    named = set(columns)
    unnamed = sorted(
        {index for _number, cells in table.rows for index, value in enumerate(cells) if value and index not in named}
    )
    if unnamed:
        raise ImportFailed(
            Problem(_("Column %(column)s has values but no heading.") % {"column": _column_letter(index + 1)})
            for index in unnamed
        )


def prepare(directory: Directory, table: Table) -> Plan:
    """Check every row of ``table``; return the Plan or raise ImportFailed with every error."""
    columns = _map_headings(directory, table.headings)
    _check_unnamed_columns(table, columns)
    fields = [name for name in directory.columns if name in columns.values()]
    form_class = modelform_factory(directory.model, form=_RowForm, fields=fields)
    choices = {name: _choice_values(directory.field(name)) for name in fields if directory.field(name).choices}
    true_words, false_words = _boolean_words()
    headings = {name: directory.heading(name) for name in fields}

    # One query for every existing entry, keyed as the file's keys are compared.
    existing = {directory.normalise_key(getattr(obj, directory.key)): obj for obj in directory.model.objects.all()}
    first_row_of_key: dict[str, int] = {}
    plan = Plan(directory=directory, fields=fields)
    errors: list[Problem] = []

    for number, cells in table.rows:
        raw = {name: (cells[index] if index < len(cells) else "") for index, name in columns.items()}
        key = directory.normalise_key(raw.get(directory.key, ""))
        raw[directory.key] = key
        instance = existing.get(key)
        if key and key in first_row_of_key:
            errors.append(
                Problem(
                    _(
                        "Rows %(first)s and %(second)s have the same “%(field)s” (%(value)s): "
                        "each entry may appear once."
                    )
                    % {
                        "first": first_row_of_key[key],
                        "second": number,
                        "field": headings[directory.key],
                        "value": key,
                    }
                )
            )
            # Check the rest of the row on a copy, so the first row's entry stays as that row left it.
            instance = copy.copy(instance) if instance is not None else None
        elif key:
            first_row_of_key[key] = number

        data, row_errors = {}, {}
        for name in fields:
            model_field = directory.field(name)
            value = raw[name]
            if not value and _keeps_when_empty(model_field):
                data[name] = getattr(instance, name) if instance is not None else model_field.get_default()
            elif isinstance(model_field, models.BooleanField):
                word = _normal(value)
                if word in true_words or word in false_words:
                    data[name] = word in true_words
                else:
                    row_errors[name] = [_("“%(value)s” is neither yes nor no.") % {"value": value}]
            elif name in choices and value:
                stored = choices[name].get(_normal(value))
                if stored is None:
                    row_errors[name] = [
                        _("“%(value)s” is not a valid choice. Use one of: %(choices)s.")
                        % {"value": value, "choices": _join(choice_labels(model_field))}
                    ]
                else:
                    data[name] = stored
            else:
                data[name] = value

        before = {name: getattr(instance, name) for name in fields} if instance is not None else None
        form = form_class(data=data, instance=instance)
        valid = form.is_valid()
        for name, messages in form.errors.items():
            # A cell already refused above is reported once, with the message that names its value.
            row_errors.setdefault(name, list(messages))
        if row_errors or not valid:
            for name in [*fields, *(name for name in row_errors if name not in fields)]:
                column = None if name == NON_FIELD_ERRORS else headings.get(name, name)
                errors.extend(Problem(message, number, column) for message in row_errors.get(name, ()))
            continue
        obj = form.instance
        if before is None:
            plan.new.append(obj)
        elif any(getattr(obj, name) != before[name] for name in fields):
            plan.changed.append(obj)
        else:
            plan.unchanged += 1

    if errors:
        raise ImportFailed(errors)
    return plan


# Saving -------------------------------------------------------------------------------------------


def apply(plan: Plan, *, actor=None) -> Result:
    """Save a checked file in one transaction, with its audit event. An IntegrityError means the
    directory changed since prepare() read it (someone added the same key meanwhile)."""
    from reports import audit

    model = plan.directory.model
    with transaction.atomic():
        created = model.objects.bulk_create(plan.new, batch_size=_BATCH_SIZE)
        updatable = [name for name in plan.fields if name != model._meta.pk.name]
        if plan.changed:
            model.objects.bulk_update(plan.changed, updatable, batch_size=_BATCH_SIZE)
        result = Result(created=len(created), updated=len(plan.changed), unchanged=plan.unchanged)
        audit.record(
            "directory.import",
            actor=actor,
            model=plan.directory.label,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
        )
        saved = [*created, *plan.changed]
        transaction.on_commit(lambda: reindex(model, saved))
    return result


def reindex(model, objects) -> None:
    """Bring the Wagtail search index up to date: bulk_create and bulk_update send no post_save."""
    from wagtail.search.backends import get_search_backends

    objects = [obj for obj in objects if obj.pk is not None]
    for backend in get_search_backends(with_auto_update=True):
        for start in range(0, len(objects), _BATCH_SIZE):
            try:
                backend.add_bulk(model, objects[start : start + _BATCH_SIZE])
            except Exception:
                logger.exception("Could not index imported %s entries", model._meta.label)
                return


# Templates ----------------------------------------------------------------------------------------


def template_csv(directory: Directory) -> bytes:
    """An empty file with the heading row, as CSV in UTF-8 with a byte-order mark (for Excel)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(directory.headings())
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx(directory: Directory) -> bytes:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(directory.model._meta.verbose_name_plural)[:31]
    sheet.append(directory.headings())
    for index, name in enumerate(directory.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, 2 * len(directory.heading(name)) + 4)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _column_letter(number: int) -> str:
    """Spreadsheet column name of a 1-based column number (1 → A, 27 → AA), as openpyxl names them;
    written here so that the web workers need not load openpyxl to name a column."""
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
