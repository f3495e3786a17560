import pytest

from home.elder import COOKIE_NAME

pytestmark = pytest.mark.django_db


def test_turning_elder_mode_on_returns_to_the_page_and_remembers_it(client, demo):
    response = client.get("/elder-mode/", {"on": "1", "next": "/how-to-report/"})

    assert response.status_code == 302
    assert response["Location"] == "/how-to-report/"
    assert response.cookies[COOKIE_NAME].value == "1"
    assert response.cookies[COOKIE_NAME]["max-age"] > 0


def test_elder_mode_enlarges_the_page_and_offers_a_way_out(client, demo, parse):
    client.get("/elder-mode/", {"on": "1", "next": "/how-to-report/"})

    response = client.get("/how-to-report/")
    page = parse(response)

    assert page.find("html", lang="zh-Hans", **{"class": "elder"})
    [toggle] = [link for link in page.links if link.get("class") == "elder-toggle"]
    assert toggle["text"] == "退出长者模式"
    assert toggle["href"].startswith("/elder-mode/?on=0&")
    assert "next=/how-to-report/" in toggle["href"]


def test_pages_are_normal_size_without_the_cookie(client, demo, parse):
    page = parse(client.get("/how-to-report/"))

    assert not page.find("html", **{"class": "elder"})
    [toggle] = [link for link in page.links if link.get("class") == "elder-toggle"]
    assert toggle["text"] == "长者模式"
    assert toggle["href"].startswith("/elder-mode/?on=1&")


def test_turning_elder_mode_off_forgets_it(client, demo, parse):
    client.get("/elder-mode/", {"on": "1"})

    response = client.get("/elder-mode/", {"on": "0", "next": "/about/"})

    assert response["Location"] == "/about/"
    assert response.cookies[COOKIE_NAME].value == ""
    assert response.cookies[COOKIE_NAME]["max-age"] == 0
    assert not parse(client.get("/about/")).find("html", **{"class": "elder"})


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/"])
def test_offsite_next_goes_home_instead(client, target):
    response = client.get("/elder-mode/", {"on": "1", "next": target})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_switching_needs_a_get(client):
    response = client.post("/elder-mode/", {"on": "1"})

    assert response.status_code == 405
    assert COOKIE_NAME not in response.cookies
