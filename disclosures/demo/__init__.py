"""Demo publications for the embedded set-up. Titles, numbers, dates and figures come from the
bureau documents in shared/seeds and the regulations in shared/DOMAIN.md; the summaries, facts
and case stories are our own words, and cases name no real person or institution. Where a source
gives only the year of a document, the day shown is illustrative (the site footer says it is a demo)."""

from django.apps import apps

from . import directories
from .cases import CASES
from .funds import FUND_PERIODS
from .inspections import INSPECTION_PLANS
from .policies import POLICIES

INDEXES = [
    # (key, model label, slug, title, intro)
    ("policies", "disclosures.PolicyIndexPage", "policies", "政策文件", "医保基金监管方面的法规、规章和规范性文件。"),
    ("cases", "disclosures.CaseIndexPage", "cases", "典型案例曝光", "经查实的欺诈骗保典型案例，依法向社会公开。"),
    (
        "inspections",
        "disclosures.InspectionIndexPage",
        "inspections",
        "双随机抽查",
        "随机抽取检查对象、随机选派检查人员，抽查情况和查处结果全部公开。",
    ),
    ("funds", "disclosures.FundDisclosureIndexPage", "funds", "基金收支", "医保基金按季度公开的收入、支出和结余情况。"),
]


def _create_index(home, label, slug, title, intro):
    index = apps.get_model(label)(title=title, slug=slug, intro=intro, show_in_menus=True)
    home.add_child(instance=index)
    index.save_revision().publish()
    return index


def _publish_children(index, model, specs, first_time, key, build) -> list[str]:
    created = []
    for spec in specs:
        if not first_time(f"{key}:{spec['slug']}") or index.get_children().filter(slug=spec["slug"]).exists():
            continue
        page = build(model, spec)
        index.add_child(instance=page)
        page.save_revision().publish()
        created.append(f"{key}: {spec['title']}")
    return created


def _policy(model, spec):
    return model(**spec)


def _case(model, spec):
    from disclosures.models import Measure, ViolationCategory

    fields = {k: v for k, v in spec.items() if k not in ("categories", "measures")}
    page = model(**fields)
    page.categories = list(ViolationCategory.objects.filter(slug__in=spec["categories"]))
    page.measures = list(Measure.objects.filter(slug__in=spec["measures"]))
    return page


def _plan(model, spec):
    from disclosures.models import InspectionResult, Measure

    page = model(**{k: v for k, v in spec.items() if k != "results"})
    results = []
    for item in spec["results"]:
        result = InspectionResult(**{k: v for k, v in item.items() if k != "measures"})
        result.measures = list(Measure.objects.filter(slug__in=item["measures"]))
        results.append(result)
    page.results = results
    return page


def _fund(model, spec):
    from disclosures.models import FundRow

    page = model(**{k: v for k, v in spec.items() if k != "rows"})
    page.rows = [FundRow(**row) for row in spec["rows"]]
    return page


BUILDERS = {
    "policies": ("disclosures.PolicyPage", POLICIES, _policy),
    "cases": ("disclosures.CasePage", CASES, _case),
    "inspections": ("disclosures.InspectionPlanPage", INSPECTION_PLANS, _plan),
    "funds": ("disclosures.FundDisclosurePage", FUND_PERIODS, _fund),
}


def ensure_vocabularies():
    """The starting vocabularies come with migrations; a flushed database (browser tests) lacks them."""
    from disclosures.models import Measure, ViolationCategory
    from disclosures.vocabularies import MEASURES, VIOLATION_CATEGORIES

    for model, terms in ((ViolationCategory, VIOLATION_CATEGORIES), (Measure, MEASURES)):
        if not model.objects.exists():
            model.objects.bulk_create(
                model(slug=slug, name=name, sort_order=order) for order, (slug, name) in enumerate(terms)
            )


def load(home, first_time) -> list[str]:
    """Create the index pages under `home` and their demo children not loaded before."""
    ensure_vocabularies()
    created = []
    for key, label, slug, title, intro in INDEXES:
        index = home.get_children().filter(slug=slug).specific().first()
        if index is None and first_time(f"index:{key}"):
            index = _create_index(home, label, slug, title, intro)
        if index is None:  # an editor deleted it: leave it deleted
            continue
        model_label, specs, build = BUILDERS[key]
        created += _publish_children(index, apps.get_model(model_label), specs, first_time, key, build)
    inspections = home.get_children().filter(slug="inspections").specific().first()
    created += directories.load(inspections, first_time)
    return created
