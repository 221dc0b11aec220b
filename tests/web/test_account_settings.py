"""The account page's settings: the time zone (detected at sign-up) and email for notifications."""

from sqlmodel import select

from tests import factories
from tracker.models import EmailFrequency, Notification, NotificationKind, User
from tracker.services.notifications import in_app as notifications


def test_sign_up_keeps_the_zone_the_browser_reported_and_falls_back_to_utc(make_client, session):
    password = "falling apples orbit"
    for name, reported, kept in (("kiri", "Pacific/Auckland", "Pacific/Auckland"), ("nemo", "Nowhere/Special", "UTC"),
                                 ("plain", "", "UTC")):
        response = make_client().post("/signup", data={"username": name, "password": password, "confirm": password,
                                                       "time_zone": reported})
        assert response.status_code == 302
        assert session.exec(select(User.time_zone).where(User.username == name)).one() == kept


def test_the_sign_up_form_asks_the_browser_for_its_zone(client):
    page = client.get("/signup").get_data(as_text=True)
    assert 'name="time_zone"' in page and "data-detect-time-zone" in page


def test_changing_the_time_zone_changes_the_days_shown(make_client, session):
    lena = make_client("lena")
    page = lena.get("/account").get_data(as_text=True)
    assert "times shown in UTC" in page and '<option value="Asia/Tokyo">Asia/Tokyo</option>' in page
    response = lena.post("/account/time-zone", data={"time_zone": "Asia/Tokyo"}, follow_redirects=True)
    assert "Your time zone is Asia/Tokyo." in response.get_data(as_text=True)
    assert factories.user(session, "lena").time_zone == "Asia/Tokyo"
    assert "your time zone: Asia/Tokyo" in lena.get("/").get_data(as_text=True)


def test_an_unknown_time_zone_is_refused_and_nothing_changes(make_client, session):
    lena = make_client("lena")
    response = lena.post("/account/time-zone", data={"time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    session.expire_all()
    assert factories.user(session, "lena").time_zone == "UTC"


def test_email_settings_are_not_offered_when_the_tracker_sends_no_mail(make_client):
    page = make_client("lena").get("/account").get_data(as_text=True)
    assert "This tracker does not send email" in page and 'name="frequency"' not in page


def test_email_settings_need_a_valid_address(app, make_client, session):
    app.config["SMTP_URL"] = "smtp://127.0.0.1:2525"
    lena = make_client("lena")
    assert 'name="frequency"' in lena.get("/account").get_data(as_text=True)
    bad = lena.post("/account/email", data={"email": "lena@", "frequency": "daily"})
    assert bad.status_code == 400 and "That email address is not valid" in bad.get_data(as_text=True)
    missing = lena.post("/account/email", data={"email": "", "frequency": "immediate"})
    assert missing.status_code == 400 and "Give an email address" in missing.get_data(as_text=True)
    session.expire_all()
    assert factories.user(session, "lena").email_notifications == EmailFrequency.off


def test_turning_email_on_does_not_send_what_arrived_before(app, make_client, session):
    app.config["SMTP_URL"] = "smtp://127.0.0.1:2525"
    lena_user = factories.user(session, "lena")
    notifications.notify(session=session, user=lena_user, kind=NotificationKind.reply, key="old", message="Old news")
    session.commit()
    response = make_client("lena").post("/account/email", data={"email": "Lena@Example.COM", "frequency": "daily"},
                                        follow_redirects=True)
    assert "Notifications will also go to Lena@example.com: a daily digest." in response.get_data(as_text=True)
    session.expire_all()
    lena_user = factories.user(session, "lena")
    assert (lena_user.email, lena_user.email_notifications) == ("Lena@example.com", EmailFrequency.daily)
    old = session.exec(select(Notification).where(Notification.key == "old")).one()
    assert old.emailed_at is not None  # passed over: it stays in the app


def test_email_cannot_be_switched_on_where_the_tracker_sends_none(make_client, session):
    response = make_client("lena").post("/account/email", data={"email": "lena@example.com", "frequency": "daily"})
    assert response.status_code == 400 and "This tracker does not send email" in response.get_data(as_text=True)


def test_a_learner_sets_the_desired_retention_and_sees_what_it_costs(make_client, session):
    lena = make_client("lena")
    page = lena.get("/account").get_data(as_text=True)
    assert "<td>90% (yours)</td><td>30 days</td>" in page and "<td>97%</td>" in page
    assert lena.post("/account/retention", data={"retention": "95"}).status_code == 303
    session.expire_all()
    assert factories.user(session, "lena").desired_retention == 0.95
    page = lena.get("/account").get_data(as_text=True)
    assert "scheduled for 95% retention" in page and "<td>95% (yours)</td>" in page
    assert '<option selected value="95">95%</option>' in page


def test_a_desired_retention_outside_70_to_97_percent_is_refused_and_nothing_changes(make_client, session):
    lena = make_client("lena")
    for value in ("99", "50", "0.9", "", "nan"):
        refused = lena.post("/account/retention", data={"retention": value})
        assert refused.status_code == 400, value
        expected = "This field is required" if value == "" else "Not a valid choice"
        assert expected in refused.get_data(as_text=True), value
    assert lena.post("/account/retention", data={"retention": "95"}, csrf=False).status_code == 400
    session.expire_all()
    assert factories.user(session, "lena").desired_retention == 0.9


def test_the_api_sets_the_desired_retention_all_or_nothing(make_client, session):
    lena = make_client("lena")
    assert lena.get("/api/v1/me").get_json()["desired_retention"] == 0.9
    changed = lena.patch("/api/v1/me", json={"desired_retention": 0.8})
    assert changed.status_code == 200 and changed.get_json()["desired_retention"] == 0.8
    for bad in (0.5, 0.99, 2, "lots"):
        refused = lena.patch("/api/v1/me", json={"time_zone": "Europe/Paris", "desired_retention": bad})
        assert refused.status_code == 400, bad
        assert "retention" in refused.get_json()["error"]["message"].lower(), bad
    session.expire_all()
    lena_row = factories.user(session, "lena")
    assert (lena_row.desired_retention, lena_row.time_zone) == (0.8, "UTC")
