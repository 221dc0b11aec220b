"""A path's status is its own action: restoring or saving content never changes it, and changing it says first
who is on the path and what they lose."""

import re

from tests import factories
from tests.web.test_admin import editor_form


def test_restoring_a_version_saved_as_a_draft_keeps_the_learners_on_the_path(make_client, session):
    lena, ada = make_client("lena"), make_client("ada")
    lena.post("/paths/api-designer/follow")
    form = editor_form(session) | {"title": "Being reworked", "status": "draft", "action": "save"}
    ada.post("/admin/paths/api-designer/edit", data=form)  # the editor never unpublishes: version 2 stays published
    session.expire_all()
    assert factories.path(session, "api-designer").status == "published"
    version_page = ada.get("/admin/paths/api-designer/history/1").get_data(as_text=True)
    assert "nothing is lost" not in version_page and "the path stays published" in version_page
    restored = ada.post("/admin/paths/api-designer/restore/1", data={"base_version": "2"}, follow_redirects=True)
    assert "Version 1 restored as version 3; the path stays published." in restored.get_data(as_text=True)
    assert lena.get("/paths/api-designer").status_code == 200
    assert "API Designer" in lena.get("/").get_data(as_text=True)


def test_a_published_path_restored_to_a_draft_version_stays_published(make_client, session):
    lena, ada = make_client("lena"), make_client("ada")
    lena.post("/paths/api-designer/follow")
    assert ada.post("/admin/paths/api-designer/status",
                    data={"status": "draft", "base_version": "1"}).status_code == 303
    assert lena.get("/paths/api-designer").status_code == 404  # a draft: the change the status page warns about
    form = editor_form(session) | {"title": "Being reworked", "action": "save"}
    assert ada.post("/admin/paths/api-designer/edit", data=form).status_code == 303  # version 3, a draft
    assert ada.post("/admin/paths/api-designer/status",
                    data={"status": "published", "base_version": "3"}).status_code == 303  # version 4
    same = ada.post("/admin/paths/api-designer/restore/3", data={"base_version": "4"}, follow_redirects=True)
    assert "Version 3 has the content the path has now: nothing changed." in same.get_data(as_text=True)
    assert ada.post("/admin/paths/api-designer/restore/1", data={"base_version": "4"}).status_code == 303
    session.expire_all()
    path = factories.path(session, "api-designer")
    assert (path.version, path.title, path.status) == (5, "API Designer", "published")
    assert ada.post("/admin/paths/api-designer/restore/3", data={"base_version": "5"}).status_code == 303
    session.expire_all()
    path = factories.path(session, "api-designer")
    assert (path.version, path.title, path.status) == (6, "Being reworked", "published")
    assert lena.get("/paths/api-designer").status_code == 200
    assert "Being reworked" in lena.get("/").get_data(as_text=True)


def test_the_status_page_says_who_loses_the_path_before_anything_changes(make_client, session):
    for learner in factories.add_learners(session, "reader", 12):
        make_client(learner.username).post("/paths/api-designer/follow")
    factories.mentor_of(session, "mona", "lena", "leo", "reader000")
    mona = make_client("mona")
    assert mona.post("/mentor/assignments", data={"learners": ["lena", "leo", "reader000"],
                                                  "path": "api-designer"}).status_code in (302, 303)
    ada = make_client("ada")
    editor = ada.get("/admin/paths/api-designer/edit").get_data(as_text=True)
    assert 'href="/admin/paths/api-designer/status">Change status</a>' in editor and 'name="status"' not in editor
    page = ada.get("/admin/paths/api-designer/status?status=draft").get_data(as_text=True)
    assert "12 learners follow it; 3 have it assigned." in page
    assert "lose it from their dashboard" in page and re.search(r'value="draft" checked', page)
    session.expire_all()
    assert factories.path(session, "api-designer").version == 1  # looking changes nothing


def test_a_status_change_from_a_stale_page_or_with_a_bad_value_changes_nothing(make_client, session):
    ada, other = make_client("ada"), make_client("ada")
    assert other.post("/admin/paths/api-designer/status", data={"status": "archived",
                                                                "base_version": "1"}).status_code == 303
    stale = ada.post("/admin/paths/api-designer/status", data={"status": "draft", "base_version": "1"})
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Nothing was changed" in text and 'role="alert"' in text
    assert '<input type="hidden" name="base_version" value="2">' in text  # confirming again is from what is now
    bad = ada.post("/admin/paths/api-designer/status", data={"status": "deleted", "base_version": "2"})
    assert bad.status_code == 400 and "Not a valid choice" in bad.get_data(as_text=True)
    assert make_client("lena").post("/admin/paths/api-designer/status",
                                    data={"status": "draft", "base_version": "2"}).status_code == 403
    assert ada.post("/admin/paths/api-designer/status", data={"status": "draft", "base_version": "2"},
                    csrf=False).status_code == 400
    session.expire_all()
    assert factories.path(session, "api-designer").status == "archived"


def test_the_api_changes_a_status_on_its_own_and_a_path_save_keeps_it(make_client, session):
    ada = make_client("ada")
    make_client("lena").post("/paths/api-designer/follow")
    seen = ada.get("/api/v1/paths/api-designer/status").get_json()
    assert seen == {"slug": "api-designer", "status": "published", "version": 1, "followers": 1, "assigned": 0,
                    "audience": "1 learner follows it; 0 have it assigned."}
    changed = ada.put("/api/v1/paths/api-designer/status", json={"status": "draft", "version": 1})
    assert changed.status_code == 200 and changed.get_json()["status"] == "draft"
    stale = ada.put("/api/v1/paths/api-designer/status", json={"status": "archived", "version": 1})
    assert stale.status_code == 409
    detail = ada.get("/api/v1/paths/api-designer").get_json()
    body = {"version": 2, "title": "Renamed", "summary": detail["summary"], "outcome": detail["outcome"],
            "weeks_min": 6, "sections": [{"title": s["title"], "items": s["items"]} for s in detail["sections"]]}
    assert ada.put("/api/v1/paths/api-designer", json=body).status_code == 200
    session.expire_all()
    assert factories.path(session, "api-designer").status == "draft"  # a save without a status keeps it
    assert make_client("lena").get("/api/v1/paths/api-designer/status").status_code == 403
