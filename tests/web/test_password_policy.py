"""Every form that sets a password refuses the site's words, the person's own and breached passwords, says
why, and writes nothing: sign-up, first-run setup, the password change and an administrator's temporary one."""

import html
from collections.abc import Callable, Iterator

import pytest
from sqlmodel import Session, delete, select

from tests.conftest import PASSWORD, CSRFClient, TrackerRunner, csrf_client, make_app
from tests.pwned_range_server import RangeService, sha1_hex
from tracker.models import Installation, User
from tracker.services.people import passwords

BREACHED = "This password appears in lists of breached passwords; choose another."
CONTEXT = "This password is built on this site's name or words or on your own name or address."
STRONG = "gravel lanterns outpace the tide"


@pytest.fixture
def site(database_url, tmp_path) -> Iterator[Callable[..., CSRFClient]]:
    """A browser on a tracker at https://learn.company.com, with any further settings given."""
    apps = []

    def make(**settings) -> CSRFClient:
        app = make_app(database_url, tmp_path, PUBLIC_URL="https://learn.company.com", **settings)
        apps.append(app)
        return csrf_client(app)

    yield make
    for app in apps:
        app.extensions["tracker.engine"].dispose()


def said(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def users(client: CSRFClient) -> set[str]:
    with Session(client.application.extensions["tracker.engine"]) as session:
        return set(session.exec(select(User.username)))


def password_hash(client: CSRFClient, username: str) -> str:
    with Session(client.application.extensions["tracker.engine"]) as session:
        return session.exec(select(User.password_hash).where(User.username == username)).one()


def sign_up(client: CSRFClient, password: str, **fields: str):
    return client.post("/signup", data={"username": "newbie", "password": password, "confirm": password} | fields)


@pytest.mark.parametrize(("password", "message"), [
    ("Tracker2026", CONTEXT),
    ("Company2024!", CONTEXT),
    ("learning path tracker", CONTEXT),
    ("Summer2024", "This is similar to a commonly used password."),
    ("password1", BREACHED),
    ("P@ssw0rd", BREACHED),
    ("iloveyou", BREACHED),
    ("trustno1", BREACHED),
])
def test_sign_up_refuses_the_site_s_words_and_breached_passwords_and_creates_no_account(site, password, message):
    client = site()
    before = users(client)
    response = sign_up(client, password)
    assert response.status_code == 400
    assert message in said(response)
    assert users(client) == before
    assert client.get("/account").status_code == 302  # not signed in


def test_sign_up_refuses_a_password_built_on_the_display_name(site):
    client = site()
    response = sign_up(client, "Okonkwo2026!", display_name="Marguerite Okonkwo")
    assert response.status_code == 400 and CONTEXT in said(response)
    assert "newbie" not in users(client)
    assert sign_up(client, "Okonkwo2026!", display_name="Marguerite").status_code == 302


def test_a_strong_password_signs_up(site):
    client = site()
    assert sign_up(client, STRONG).status_code == 302
    assert "newbie" in users(client)


def test_first_run_setup_refuses_a_breached_password_and_stays_open(site):
    client = site()
    with Session(client.application.extensions["tracker.engine"]) as session:
        session.exec(delete(User))
        session.commit()
    link = TrackerRunner(client.application).invoke(args=["setup-link"]).output
    token = link.split("token=")[1].split()[0]
    response = client.post("/setup", data={"username": "root", "password": "Company2024!", "confirm": "Company2024!",
                                           "token": token})
    assert response.status_code == 400 and CONTEXT in said(response)
    response = client.post("/setup", data={"username": "root", "password": "1q2w3e4r", "confirm": "1q2w3e4r",
                                           "token": token})
    assert response.status_code == 400 and BREACHED in said(response)
    assert users(client) == set()
    with Session(client.application.extensions["tracker.engine"]) as session:
        assert session.exec(select(Installation)).first() is None
    assert client.get("/setup").status_code == 200


def test_changing_to_a_breached_or_context_password_keeps_the_old_one(site):
    client = site().sign_in("lena")
    old_hash = password_hash(client, "lena")
    for new, message in [("qwerty123", BREACHED), ("lena-tracker-2026", CONTEXT)]:
        response = client.post("/account/password", data={"current": PASSWORD, "password": new, "confirm": new})
        assert response.status_code == 400 and message in said(response)
    assert password_hash(client, "lena") == old_hash
    assert client.get("/account").status_code == 200  # still signed in: nothing ended


def test_an_administrator_s_temporary_password_is_checked_too(site):
    client = site().sign_in("ada")
    old_hash = password_hash(client, "leo")
    page = client.post("/admin/users/leo", data={"action": "password", "password": "baseball1"},
                       follow_redirects=True)
    assert BREACHED in said(page)
    assert password_hash(client, "leo") == old_hash


def test_with_the_range_service_on_a_password_it_knows_is_refused_and_only_a_prefix_leaves(site):
    with RangeService({"Tr0ub4dor&3": 1_234}) as service:
        client = site(PWNED_PASSWORDS_URL=service.url)
        response = sign_up(client, "Tr0ub4dor&3")
        assert response.status_code == 400 and BREACHED in said(response)
        assert "newbie" not in users(client)
        assert sign_up(client, STRONG).status_code == 302
    assert [path for path, _ in service.requests] == ["/range/87457", f"/range/{sha1_hex(STRONG)[:5]}"]
    assert all(headers["Add-Padding"] == "true" for _, headers in service.requests)


def test_sign_up_goes_on_while_the_range_service_is_down(site):
    passwords._RangeService.failing = False
    with RangeService({}) as service:
        service.behaviour = "error"
        client = site(PWNED_PASSWORDS_URL=service.url)
        assert sign_up(client, STRONG).status_code == 302
        assert sign_up(csrf_client(client.application), "password1", username="other").status_code == 400
    assert passwords._RangeService.failing
    passwords._RangeService.failing = False
