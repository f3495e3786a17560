"""Search text for Chinese: turn text into terms that SQLite FTS5 and PostgreSQL can match.

Why: Wagtail's database search backend (the `modelsearch` package) hands text to the database's
own word splitter: SQLite FTS5's `unicode61` tokenizer, PostgreSQL's default text-search parser
(to_tsvector with the database's default configuration). Both split on spaces and punctuation
only, so a run of Chinese such as 打击欺诈骗保 becomes one "word", and a search for 骗保 (a query
is one quoted term per space-separated word, all ANDed) never matches it.

What we do instead: before the text reaches the database we split it ourselves into terms
separated by plain spaces, which both databases keep as they are:

- every run of CJK characters (Han, kana, hangul) gives its single characters and its overlapping
  character pairs: 欺诈骗保 → 欺 欺诈 诈 诈骗 骗 骗保 保;
- every run of other letters and digits is kept as one lower-case word: DRG付费2026年 → drg … 2026 …;
- everything else (spaces, punctuation, symbols, HTML tags) only separates terms. Text is NFKC
  normalised first, so full-width ＤＲＧ１２ equals DRG12.

A query goes through the same split but keeps only the pairs (or the single character, for a
one-character run) and is matched with AND: 挂床住院 must contain 挂床, 床住 and 住院. Pairs do not
prove adjacency (a page with 挂床 … 床住 … 住院 in different places also matches 挂床住院), which is
the usual trade-off of bigram indexing and rare in practice.

Contract for page models (home.StandardPage and HomePage here; disclosures/ page types):

    class PolicyPage(ChineseSearchable, Page):
        search_fields = [*Page.search_fields, index.SearchField("search_grams")]

        def search_source(self):
            return [*super().search_source(), self.document_number, self.summary]

- put `ChineseSearchable` before `Page` in the bases and add `index.SearchField("search_grams")`;
- `search_source()` returns an iterable of the page's searchable values. Each item may be a plain
  string, an HTML string (a RichTextField value), a `RichText`, a StreamField value, a lazy
  translation, a number, a list of those, or None/"" (skipped). The default gives the title, `intro`
  if the page has one and `body` if it has one; extend it with `[*super().search_source(), …]`,
  and use `stream_text(value, exclude=(…))` to leave block types out of a StreamField;
- it runs in the site's language (LANGUAGE_CODE), so `get_FOO_display()` and block choice labels
  are indexed in Chinese even when the editor who saves the page uses the admin in English;
- HTML is reduced to text, block elements and separate items never run into each other, so no
  pair spans two fields or paragraphs;
- only the first MAX_SOURCE_CHARS characters of a page are indexed (see below);
- the page is re-indexed whenever it is saved (Wagtail's post_save signal handler; publishing saves
  the page), and `manage.py update_index` rebuilds everything, e.g. after changing search_source();
- `search_source()` must not raise: an exception while indexing is logged and swallowed (by
  modelsearch and the django_tasks runner), so the page is saved but keeps its old index entry, or
  none, until `update_index` runs.

Queries: `query_terms()` gives the terms; home/search_views.py searches live public pages of the
current site with them (operator "and").
"""

import re
import unicodedata
from collections.abc import Iterable

from django.conf import settings
from django.utils import translation
from django.utils.encoding import force_str
from django.utils.functional import Promise
from wagtail.blocks import StreamValue
from wagtail.rich_text import RichText, get_text_for_indexing

# Han (with 〇, extensions A–H and compatibility ideographs), Japanese kana and Korean hangul:
# scripts written without spaces between words.
CJK_CHARS = (
    "\u3005\u3007\u3021-\u3029\u3038-\u303b"
    "\u3040-\u309f\u30a1-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\uac00-\ud7af"
    "\U00020000-\U0003134f"
)
_TERM = re.compile(rf"(?P<cjk>[{CJK_CHARS}]+)|(?P<word>(?:(?![{CJK_CHARS}])[^\W_])+)")

# PostgreSQL refuses a tsvector whose words pass 1 MB, and on PostgreSQL an error while indexing
# aborts the transaction that publishes the page. 50,000 characters of random Chinese (the worst
# case: nearly every pair new) need about 0.6 MB; a real policy document is a few thousand
# characters. Text beyond this is not indexed.
MAX_SOURCE_CHARS = 50_000
# Longer queries are cut to this many characters.
MAX_QUERY_CHARS = 100


def _runs(text: str):
    """(is_cjk, run) for every run of CJK characters or of other letters and digits."""
    text = unicodedata.normalize("NFKC", text).lower()
    for match in _TERM.finditer(text):
        if match.group("cjk"):
            yield True, match.group("cjk")
        else:
            yield False, match.group("word")


def index_terms(text: str) -> list[str]:
    """Every term to index for `text`: CJK characters and character pairs, other words whole."""
    terms = []
    for is_cjk, run in _runs(text):
        if not is_cjk:
            terms.append(run)
            continue
        for i, char in enumerate(run):
            terms.append(char)
            if i + 1 < len(run):
                terms.append(run[i : i + 2])
    return terms


def query_terms(query: str) -> list[str]:
    """The terms a query must all match: character pairs of CJK runs (the character itself for a
    one-character run) and other words whole; duplicates removed, order kept."""
    terms = []
    for is_cjk, run in _runs(query[:MAX_QUERY_CHARS]):
        if not is_cjk or len(run) == 1:
            terms.append(run)
        else:
            terms.extend(run[i : i + 2] for i in range(len(run) - 1))
    return list(dict.fromkeys(terms))


def stream_text(value: StreamValue, exclude: Iterable[str] = ()) -> str:
    """The searchable text of a StreamField value, leaving out blocks of the `exclude` types;
    rich text is reduced to plain text (Wagtail's own get_searchable_content)."""
    exclude = set(exclude)
    parts = []
    for child in value:
        if child.block_type not in exclude:
            parts.extend(force_str(text) for text in child.block.get_searchable_content(child.value))
    return "\n".join(parts)


def plain_text(value) -> str:
    """Plain text of one item of search_source(); see the module docstring for what it accepts."""
    if value is None:
        return ""
    if isinstance(value, StreamValue):
        return stream_text(value)
    if isinstance(value, RichText):
        value = value.source
    if isinstance(value, (list, tuple, set)):
        return "\n".join(plain_text(item) for item in value)
    if isinstance(value, Promise):
        value = force_str(value)
    if isinstance(value, str):
        return get_text_for_indexing(value) if "<" in value or "&" in value else value
    return force_str(value)


def index_text(values: Iterable) -> str:
    """The indexed text for a list of search_source() values: terms separated by spaces."""
    text = "\n".join(plain_text(value) for value in values)[:MAX_SOURCE_CHARS]
    return " ".join(index_terms(text))


class ChineseSearchable:
    """Mixin for page models whose text must be found by Chinese words; see the module docstring."""

    def search_source(self) -> list:
        source = [self.title]
        for name in ("intro", "body"):
            value = getattr(self, name, None)
            if value:
                source.append(value)
        return source

    def search_grams(self) -> str:
        # Labels and choices are indexed in the site's language, whatever language the editor
        # who saved the page reads the admin in.
        with translation.override(settings.LANGUAGE_CODE):
            # The title's terms are given twice: both databases rank by term frequency, and the
            # title column Wagtail boosts holds the unsplit title, which these terms never match.
            return index_text([self.title, *self.search_source()])
