"""Elder mode (长者模式): a remembered display preference kept in a plain cookie, so it works
without JavaScript and without an account."""

COOKIE_NAME = "elder_mode"
COOKIE_MAX_AGE = 365 * 24 * 3600


def is_elder_mode(request) -> bool:
    return request.COOKIES.get(COOKIE_NAME) == "1"
