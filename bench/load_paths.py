"""What bench/load.py browses and the limits it runs under, read from the load database in one
Django process before the server starts. Prints one line, `LOAD {json}`:

- `paths`: public URLs per kind (home, index, article, search), sampled with a fixed seed so that
  runs at one scale browse the same pages: indexes with their first pages and a filter, articles of
  every listed kind (policies, cases, inspection plans, fund periods), searches for a few terms;
- `settings`: the report-channel throttle limits and the page-cache lifetime the server will use.

    DJANGO_SETTINGS_MODULE=bench.settings … .venv/bin/python bench/load_paths.py
"""

import json
import random
import sys
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django

django.setup()

from django.conf import settings  # noqa: E402

ARTICLES_PER_KIND = 60
INDEX_PAGES = 3
# Terms a reader looks for: a violation (found by bigram in longer words), the fund, a party.
SEARCH_TERMS = ("挂床", "医保基金", "药店", "分解收费", "欺诈骗保", "医院")


def sample_paths(rng: random.Random) -> dict:
    from disclosures.models import (
        CaseIndexPage,
        CasePage,
        FundDisclosureIndexPage,
        FundDisclosurePage,
        InspectionIndexPage,
        InspectionPlanPage,
        PolicyIndexPage,
        PolicyPage,
    )

    index = []
    for model in (CaseIndexPage, PolicyIndexPage, InspectionIndexPage, FundDisclosureIndexPage):
        for page in model.objects.live():
            index += [page.url] + [f"{page.url}?page={n}" for n in range(2, INDEX_PAGES + 1)]
    case = CasePage.objects.live().order_by("-pk").first()
    if case is not None:
        case_index = case.get_parent().url
        index.append(f"{case_index}?year={case.decision_date.year}&region={quote(case.region)}")
    article = []
    for model in (PolicyPage, CasePage, InspectionPlanPage, FundDisclosurePage):
        ids = list(model.objects.live().values_list("pk", flat=True))
        chosen = rng.sample(ids, min(ARTICLES_PER_KIND, len(ids)))
        article += [page.url for page in model.objects.filter(pk__in=chosen)]
    return {
        "home": ["/"],
        "index": sorted(index),
        "article": sorted(article),
        "search": [f"/search/?q={quote(term)}" for term in SEARCH_TERMS],
    }


def main():
    result = {
        "paths": sample_paths(random.Random(1)),
        "settings": {
            "submissions_per_hour": settings.PORTAL_SUBMISSIONS_PER_HOUR,
            "lookup_max_failures": settings.PORTAL_LOOKUP_MAX_FAILURES,
            "page_cache_seconds": settings.PORTAL_PAGE_CACHE_SECONDS,
        },
    }
    print("LOAD " + json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
