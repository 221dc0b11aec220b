"""A press from a page whose session is gone: said plainly on the page, with HTMX and in JSON; nothing written;
kept to repeat after signing in, and never for a forged or altered press."""

import re
from html import unescape

import pytest

from tracker.http import repeat

PAGE = "http://localhost/paths/api-designer"
MARK = {"state": "done", "path": "api-designer", "next": "/paths/api-designer"}


def _signed_out_elsewhere(make_client):
    """lena's browser with a page open (and its token) whose session was ended from another tab."""
    lena = make_client("lena")
    token = lena.csrf_token()
    lena.post("/signout")
    return lena, token


def _state(client, slug="http-protocol"):
    rows = client.get("/api/v1/me/progress").get_json()["items"]
    return next((row["state"] for row in rows if row["article_slug"] == slug), "not_started")


def test_a_signed_out_mark_with_htmx_says_so_in_the_alert_area_with_a_way_back(make_client):
    lena, token = _signed_out_elsewhere(make_client)
    response = lena.post("/articles/http-protocol/progress", data=MARK,
                         headers={"HX-Request": "true", "HX-Current-URL": PAGE, "X-CSRFToken": token,
                                  "Sec-Fetch-Site": "same-origin"})
    text = unescape(response.get_data(as_text=True))
    assert response.status_code == 401
    assert response.headers["HX-Retarget"] == "#alerts"
    assert "You were signed out" in text and "nothing was saved" in text
    assert "security token" not in text
    sign_in = re.search(r'href="(/signin\?next=[^"]+)"', text).group(1)
    lena.sign_in("lena")
    assert _state(lena) == "not_started"  # nothing was written
    # signing in from that link lands on the repeat page, which offers the same mark
    landed = lena.post(sign_in, data={"username": "lena", "password": "correct horse battery staple"})
    assert landed.headers["Location"].startswith("/resume?press=")
    page = unescape(lena.get(landed.headers["Location"]).get_data(as_text=True))
    assert "Mark “HTTP Protocol” done" in page
    assert 'href="/paths/api-designer"' in page  # or back without it
    form = page[page.index('<section class="narrow card resume">'):]
    action = re.search(r'<form method="post" action="([^"]+)"', form).group(1)
    assert action == "/articles/http-protocol/progress"
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    repeated = lena.post(action, data=fields, csrf=False)
    assert repeated.status_code == 303
    assert repeated.headers["Location"] == "/paths/api-designer#article-http-protocol"
    assert _state(lena) == "done"


def test_a_signed_out_mark_without_javascript_answers_a_page_that_says_so(make_client):
    lena, token = _signed_out_elsewhere(make_client)
    response = lena.post("/articles/http-protocol/progress", data=MARK | {"csrf_token": token}, csrf=False)
    text = unescape(response.get_data(as_text=True))
    assert response.status_code == 401
    assert "<h1>You were signed out</h1>" in text and "Bad request" not in text
    assert re.search(r"href=\"/signin\?next=/resume\?press%3D", text)


def test_a_signed_out_json_client_gets_401_with_a_clear_error(make_client):
    lena, token = _signed_out_elsewhere(make_client)
    response = lena.post("/articles/http-protocol/progress", data=MARK,
                         headers={"Accept": "application/json", "X-CSRFToken": token})
    assert response.status_code == 401
    assert "You were signed out" in response.get_json()["error"]["message"]
    api = lena.put("/api/v1/me/progress/http-protocol", json={"state": "done"}, headers={"X-CSRFToken": token})
    assert api.status_code == 401 and "Sign in" in api.get_json()["error"]["message"]


def test_a_stale_token_while_signed_in_offers_to_repeat_without_signing_in(make_client):
    lena = make_client("lena")
    response = lena.post("/articles/http-protocol/progress", data=MARK,
                         headers={"HX-Request": "true", "HX-Current-URL": PAGE, "X-CSRFToken": "expired"})
    text = unescape(response.get_data(as_text=True))
    assert response.status_code == 400 and "security token was missing or expired" in text
    assert "signed out" not in text
    assert re.search(r'href="/resume\?press=[^"]+">Repeat what you pressed', text)


def test_a_forged_cross_site_press_is_never_offered_again(make_client):
    lena = make_client("lena")
    response = lena.post("/articles/http-protocol/progress", data=MARK, csrf=False,
                         headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 400
    assert "/resume" not in response.get_data(as_text=True)
    assert _state(lena) == "not_started"


@pytest.mark.parametrize("press", ["", "garbage", "eyJlIjoibWFpbi5tYXJrIn0.forged.signature"])
def test_an_altered_or_missing_press_is_refused_and_repeats_nothing(make_client, press):
    lena = make_client("lena")
    response = lena.get(f"/resume?press={press}")
    assert response.status_code == 400 and "cannot be repeated" in unescape(response.get_data(as_text=True))


def test_only_harmless_presses_are_kept(app):
    with app.test_request_context("/account/delete", method="POST", data={"password": "x"},
                                  headers={"Sec-Fetch-Site": "same-origin"}):
        assert repeat.keep_press() is None  # deleting an account is never one click away
    with app.test_request_context("/paths/api-designer/follow", method="POST",
                                  headers={"Sec-Fetch-Site": "same-origin", "Referer": "https://evil.example/x"}):
        token = repeat.keep_press()
        assert token is not None and repeat.read_press(token).back == "/"  # a foreign Referer is not a way back
    with app.test_request_context("/"):
        assert repeat.local_address("//evil.example") is None and repeat.local_address("/\\evil") is None
