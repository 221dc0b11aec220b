"""Setup and sign-up show every problem of a refused form at once, each beside its field; setup's header offers
no links that only lead back to setup."""

import re

import pytest
from sqlmodel import delete

from tests.conftest import TrackerRunner
from tracker.models import User


def invalid_fields(page: str) -> set[str]:
    """The ids of the controls marked aria-invalid."""
    return {re.search(r'\sid="([^"]+)"', tag).group(1)  # type: ignore[union-attr]  # every control has an id
            for tag in re.findall(r"<input[^>]*>", page) if 'aria-invalid="true"' in tag}


@pytest.fixture
def fresh_install(client, session):
    session.exec(delete(User))
    session.commit()
    return client


def setup_token(client) -> str:
    """The token of the one-time setup link `tracker run` prints."""
    return TrackerRunner(client.application).invoke(args=["setup-link"]).output.split("token=")[1].split()[0]


@pytest.mark.parametrize("address", ["/signup", "/setup"])
def test_every_problem_of_a_refused_account_form_shows_at_once(client, fresh_install, address):
    token = setup_token(fresh_install)
    if address == "/signup":
        fresh_install.post("/setup", data={"username": "root", "password": "the first admin here",
                                           "confirm": "the first admin here", "token": token})
        fresh_install.post("/signout")
    refused = fresh_install.post(address, data={"username": "x", "password": "short", "confirm": "other"}
                                 | ({"token": token} if address == "/setup" else {}))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert invalid_fields(page) == {"username", "password", "confirm"}
    assert 'id="username-error">Usernames are 3–32 characters' in page
    assert 'id="password-error">Passwords need at least 8 characters.' in page
    assert 'id="confirm-error">The passwords do not match.' in page
    assert "3 things to fix" in page and '<a href="#username">Username</a>' in page
    assert 'value="x"' in page  # what was typed stays


def test_a_weak_password_is_named_beside_the_field_with_the_other_problems(client):
    refused = client.post("/signup", data={"username": "no", "password": "password1", "confirm": "password1"})
    page = refused.get_data(as_text=True)
    assert invalid_fields(page) == {"username", "password"}
    assert "lists of breached passwords" in page.split('id="password-error"')[1].split("</p>")[0]


def test_setup_offers_no_sign_in_or_sign_up_links_until_it_is_done(fresh_install):
    page = fresh_install.get("/setup").get_data(as_text=True)
    header = page.split("</header>")[0]
    assert "Sign in" not in header and "Sign up" not in header and 'href="/paths/"' not in header
    done = fresh_install.post("/setup", data={"username": "root", "password": "the first admin here",
                                              "confirm": "the first admin here", "token": setup_token(fresh_install)})
    assert done.status_code == 302
    fresh_install.post("/signout")
    header = fresh_install.get("/signin").get_data(as_text=True).split("</header>")[0]
    assert 'href="/signin"' in header and 'href="/signup"' in header
