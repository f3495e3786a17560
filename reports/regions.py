"""The regions a report can be routed to: the county-level areas the bureau covers (临沧市 in the
demo set-up, from the bureau documents in shared/seeds). Stored in clear as a triage field."""

from django.conf import settings

DEFAULT_REGIONS = [
    "市本级",
    "临翔区",
    "凤庆县",
    "云县",
    "永德县",
    "镇康县",
    "双江县",
    "耿马县",
    "沧源县",
    "不清楚",
]


def region_names() -> list[str]:
    return list(getattr(settings, "PORTAL_REGIONS", None) or DEFAULT_REGIONS)


REGIONS = [(name, name) for name in region_names()]
