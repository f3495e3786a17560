"""Chinese first: every UI string has a Simplified Chinese translation, the compiled catalogue
matches its source, and the English catalogue is kept alongside."""

import re
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = {lang: ROOT / "locale" / lang / "LC_MESSAGES" / "django.po" for lang in ("zh_Hans", "en")}
SOURCE_DIRS = ("home", "reports", "disclosures", "portal", "templates")
# Literal msgids in templates ({% translate "…" %}) and Python (_("…"), gettext_lazy("…")).
# A literal followed by another one is implicitly concatenated; polib holds the whole string.
LITERAL = re.compile(r"""(?:\{%\s*translate\s+|\b_\(\s*|gettext(?:_lazy)?\(\s*)(["'])(.+?)\1(?!\s*["'])""")


def _entries(lang):
    return [entry for entry in polib.pofile(str(CATALOGUES[lang])) if not entry.obsolete]


@pytest.mark.parametrize("lang", sorted(CATALOGUES))
def test_every_entry_is_translated(lang):
    untranslated = [e.msgid for e in _entries(lang) if not e.translated() or "fuzzy" in e.flags]
    assert untranslated == []


def test_chinese_catalogue_is_compiled_from_its_source():
    with translation.override("zh-hans"):
        stale = [
            e.msgid for e in _entries("zh_Hans") if not e.msgid_plural and translation.gettext(e.msgid) != e.msgstr
        ]
    assert stale == [], "run `make messages` to recompile locale/*/django.mo"


def test_every_literal_ui_string_is_in_the_catalogue():
    known = {e.msgid for e in _entries("zh_Hans")}
    missing = set()
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".py", ".html"} and "migrations" not in path.parts:
                missing |= {m.group(2) for m in LITERAL.finditer(path.read_text())} - known
    assert sorted(missing) == [], "run `make messages` and translate the new strings"
