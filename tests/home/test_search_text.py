"""Splitting text into search terms (home/search_text.py): no database needed."""

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy
from wagtail.rich_text import RichText

from home.models import StandardPage
from home.search_text import (
    MAX_QUERY_CHARS,
    MAX_SOURCE_CHARS,
    ChineseSearchable,
    index_terms,
    index_text,
    plain_text,
    query_terms,
)


def test_chinese_run_gives_characters_and_overlapping_pairs():
    assert index_terms("欺诈骗保") == ["欺", "欺诈", "诈", "诈骗", "骗", "骗保", "保"]


def test_query_keeps_only_the_pairs():
    assert query_terms("挂床住院") == ["挂床", "床住", "住院"]


def test_one_character_query_is_kept():
    assert query_terms("骗") == ["骗"]
    assert "骗" in index_terms("欺诈骗保")


def test_latin_words_and_numbers_are_kept_whole_and_lower_case():
    assert index_terms("按DRG付费，2026年") == ["按", "drg", "付", "付费", "费", "2026", "年"]
    assert query_terms("DRG付费 2026年") == ["drg", "付费", "2026", "年"]


def test_letters_and_digits_together_stay_one_word():
    assert index_terms("covid19 a_b x-ray") == ["covid19", "a", "b", "x", "ray"]


def test_punctuation_and_spaces_separate_runs():
    # No pair spans a comma, a full stop, a space or a bracket.
    terms = index_terms("挂床，住院。欺诈 骗保（查处）")
    assert "床住" not in terms
    assert "院欺" not in terms
    assert "诈骗" not in terms
    assert "保查" not in terms
    assert {"挂床", "住院", "欺诈", "骗保", "查处"} <= set(terms)


def test_full_width_letters_and_digits_equal_ascii():
    assert index_terms("ＤＲＧ１２３９３") == ["drg12393"]
    assert query_terms("Ｄｒｇ") == ["drg"]


def test_empty_and_punctuation_only_text_give_no_terms():
    for text in ("", "   ", "，。！？、“”", "*&^%$#@!", "___"):
        assert index_terms(text) == []
        assert query_terms(text) == []


def test_query_terms_are_unique_in_order():
    assert query_terms("骗保 骗保 DRG drg") == ["骗保", "drg"]


def test_query_is_cut_to_the_maximum_length():
    assert MAX_QUERY_CHARS == 100
    terms = query_terms("医" * 50 + "保" * 50 + "基金")
    assert terms == ["医医", "医保", "保保"]


def test_other_scripts_written_without_spaces_are_paired_too():
    assert query_terms("ありがとう") == ["あり", "りが", "がと", "とう"]


def test_html_is_reduced_to_text_and_paragraphs_stay_apart():
    assert plain_text("<p>挂床<b>住院</b></p><p>欺诈&amp;骗保</p>") == "挂床住院 欺诈&骗保"
    assert plain_text(RichText("<p>骗保</p>")) == "骗保"
    terms = index_terms(plain_text("<p>挂床</p><p>住院</p>"))
    assert "床住" not in terms
    assert "<p>" not in " ".join(terms)
    assert "p" not in terms


def test_plain_text_accepts_none_lists_lazy_strings_and_numbers():
    assert plain_text(None) == ""
    assert plain_text(["分解收费", None, 12393]) == "分解收费\n\n12393"
    assert plain_text(gettext_lazy("Search")) in ("Search", "搜索")
    # A '<' that opens no tag is kept.
    assert plain_text("金额<5万元") == "金额<5万元"


def test_indexed_text_is_cut_to_the_maximum_length():
    text = index_text(["医" * (MAX_SOURCE_CHARS + 10) + "骗保"])
    assert "骗保" not in text.split()


class _Page(ChineseSearchable):
    title = "打击欺诈骗保"
    intro = "专项治理"


def test_mixin_default_source_is_title_intro_and_body():
    page = _Page()
    page.body = "<p>挂床住院</p>"

    assert page.search_source() == ["打击欺诈骗保", "专项治理", "<p>挂床住院</p>"]
    terms = page.search_grams().split()
    assert {"骗保", "治理", "挂床", "床住"} <= set(terms)
    # The title's terms count twice, so a title match ranks higher.
    assert terms.count("骗保") == 2
    assert terms.count("挂床") == 1


def test_mixin_works_without_intro_or_body():
    class Bare(ChineseSearchable):
        title = "举报须知"

    assert Bare().search_source() == ["举报须知"]
    assert "须知" in Bare().search_grams().split()


def test_labels_are_indexed_in_the_site_language_whatever_the_editor_reads():
    class Labelled(_Page):
        def search_source(self):
            return [*super().search_source(), gettext_lazy("Search")]

    with translation.override("en"):
        terms = Labelled().search_grams().split()

    assert "搜索" in terms
    assert "search" not in terms


def test_subclass_extends_the_source():
    class Policy(_Page):
        document_number = "临医保发〔2026〕12号"

        def search_source(self):
            return [*super().search_source(), self.document_number]

    assert {"医保", "2026", "12"} <= set(Policy().search_grams().split())


@pytest.mark.parametrize("field", ["title", "search_grams"])
def test_standard_page_indexes_the_split_text(field):
    assert field in {f.field_name for f in StandardPage.get_search_fields()}


@pytest.mark.django_db  # Wagtail looks up the page's content type when it is instantiated.
def test_standard_page_body_stream_is_split():
    page = StandardPage(
        title="举报须知",
        intro="",
        body=[("heading", "可以举报哪些行为"), ("paragraph", "<ul><li>挂床住院</li><li>诱导住院</li></ul>")],
    )
    terms = page.search_grams().split()
    assert {"举报", "行为", "挂床", "床住", "诱导"} <= set(terms)
    assert "院诱" not in terms
