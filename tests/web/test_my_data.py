"""The account page's "your data" and "delete your account", and deleting an account from the admin page."""

from tests import factories
from tests.conftest import PASSWORD
from tests.services.records.test_export import lived_in_everywhere, rows_pointing_at
from tracker.models import Role, User
from tracker.services.people import accounts, tokens


def test_the_account_page_offers_the_download_and_the_deletion(make_client):
    page = make_client("lena").get("/account").get_data(as_text=True)
    assert 'href="/api/v1/me/export"' in page and "Download my data" in page
    assert 'href="/api/v1/me/progress.csv"' in page
    assert 'action="/account/delete"' in page and "This cannot be undone." in page
    assert 'autocomplete="current-password"' in page


def test_the_download_link_serves_the_file_to_the_signed_in_browser(make_client):
    response = make_client("lena").get("/api/v1/me/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="tracker-lena-')
    assert response.headers["Cache-Control"] == "no-store"
    assert response.get_json()["account"]["username"] == "lena"


def test_deleting_my_account_signs_me_out_and_leaves_nothing_behind(make_client, session):
    lived_in_everywhere(session, make_client)
    lena = factories.user(session, "lena")
    lena_id = lena.id
    raw, _ = tokens.create_token(session=session, user=lena, name="mine")
    browser = make_client("lena")
    response = browser.post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    home = browser.get("/").get_data(as_text=True)
    assert "Your account is deleted, with everything in it." in home
    assert browser.get("/account").status_code == 302  # signed out
    session.expire_all()
    assert rows_pointing_at(session, lena_id) == {}
    assert session.get(User, lena_id) is None
    signin = make_client().post("/signin", data={"username": "lena", "password": PASSWORD})
    assert signin.status_code == 400 and "Wrong username or password." in signin.get_data(as_text=True)
    assert make_client().get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_a_wrong_password_or_no_confirmation_deletes_nothing(make_client, session):
    browser = make_client("lena")
    wrong = browser.post("/account/delete", data={"password": "not my password", "understood": "y"})
    assert wrong.status_code == 400
    assert "The password is not right; nothing was deleted." in wrong.get_data(as_text=True)
    unticked = browser.post("/account/delete", data={"password": PASSWORD})
    assert unticked.status_code == 400 and "tick the box to confirm" in unticked.get_data(as_text=True)
    empty = browser.post("/account/delete", data={"understood": "y"})
    assert empty.status_code == 400 and "type your password to confirm" in empty.get_data(as_text=True)
    assert accounts.get_user(session=session, username="lena") is not None
    assert browser.get("/account").status_code == 200  # still signed in


def test_the_last_admin_is_told_why_they_cannot_leave(make_client, session):
    response = make_client("ada").post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    assert response.status_code == 400 and "You are the last administrator" in response.get_data(as_text=True)
    assert accounts.get_user(session=session, username="ada") is not None


def test_an_admin_deletes_an_account_from_the_users_page_once_confirmed(make_client, session):
    ada = make_client("ada")
    page = ada.get("/admin/users").get_data(as_text=True)
    assert 'action="/admin/users/leo/delete?q="' in page and "Type <strong>leo</strong> to confirm" in page
    assert "Deleting an account removes it for good" in page
    assert 'action="/admin/users/ada/delete' not in page  # not themselves, from here
    refused = ada.post("/admin/users/leo/delete", data={"confirm": "lena"}, follow_redirects=True)
    assert "Type &#39;leo&#39; to confirm; nothing was deleted." in refused.get_data(as_text=True)
    assert accounts.get_user(session=session, username="leo") is not None
    done = ada.post("/admin/users/leo/delete", data={"confirm": " Leo "}, follow_redirects=True)
    assert "The account &#39;leo&#39; is deleted, with everything in it." in done.get_data(as_text=True)
    session.expire_all()
    assert accounts.get_user(session=session, username="leo") is None
    assert ada.post("/admin/users/leo/delete", data={"confirm": "leo"}).status_code == 404


def test_an_admin_cannot_delete_themselves_from_the_users_page(make_client, session):
    session.add(User(username="root", password_hash=factories.user(session, "ada").password_hash, role=Role.admin))
    session.commit()
    response = make_client("ada").post("/admin/users/ada/delete", data={"confirm": "ada"}, follow_redirects=True)
    assert "Delete your own account from your account page" in response.get_data(as_text=True)
    assert accounts.get_user(session=session, username="ada") is not None


def test_only_admins_delete_other_accounts(make_client, session):
    for name in ("lena", "mona"):
        assert make_client(name).post("/admin/users/leo/delete", data={"confirm": "leo"}).status_code == 403
    assert accounts.get_user(session=session, username="leo") is not None
