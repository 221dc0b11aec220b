"""Administration: every admin route guarded, the path editor with versions and conflicts, catalog and users."""


import pytest
import yaml
from markupsafe import escape
from sqlmodel import select
from werkzeug.routing import IntegerConverter

from tests import factories
from tracker.models import Article, LearningPath, PathVersion, ProgressState, Role
from tracker.services.curriculum.queries import path_definition
from tracker.services.progress import marks as progress


def admin_rules(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "required_role", None) is Role.admin:
            yield rule


def build(rule) -> str:
    values = {name: (1 if isinstance(conv, IntegerConverter) else "api-designer")
              for name, conv in rule._converters.items()}
    return rule.build(values, append_unknown=False)[1]


def test_every_admin_url_is_guarded(app):
    rules = list(admin_rules(app))
    assert len(rules) >= 20
    unguarded = [r.rule for r in app.url_map.iter_rules()
                 if r.rule.startswith("/admin") and r not in rules]
    assert unguarded == [], f"admin routes without the admin guard: {unguarded}"


def test_admin_routes_answer_anonymous_learners_and_mentors(app, make_client):
    clients = {"anonymous": make_client(), "learner": make_client("lena"), "mentor": make_client("mona")}
    checked = 0
    for rule in admin_rules(app):
        url = build(rule)
        api = url.startswith("/api/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            kwargs = {"json": {}} if api and method != "GET" else {}
            anonymous = clients["anonymous"].open(url, method=method, **kwargs)
            # a page asks to sign in; a state change says nothing was saved and links to signing in (401)
            assert anonymous.status_code == (401 if api or method != "GET" else 302), (method, url)
            if not api and method == "GET":
                assert anonymous.headers["Location"].startswith("/signin"), (method, url)
            elif not api:
                assert 'href="/signin?next=' in anonymous.get_data(as_text=True), (method, url)
            for role in ("learner", "mentor"):
                assert clients[role].open(url, method=method, **kwargs).status_code == 403, (role, method, url)
            checked += 1
    assert checked >= 25


def editor_form(session, slug="api-designer"):
    """The fields the editor page would post for the stored path."""
    path = factories.path(session, slug)
    definition = path_definition(session=session, path=path)
    form = {"base_version": str(path.version), "slug": slug, "title": definition.title,
            "summary": definition.summary, "outcome": definition.outcome, "weeks_min": str(definition.weeks.min),
            "weeks_max": str(definition.weeks.max or ""), "order": str(definition.order),
            "status": definition.status.value}
    for s, section in enumerate(definition.sections):
        form[f"sections-{s}-title"] = section.title
        form[f"sections-{s}-why"] = section.why
        for i, item in enumerate(section.items):
            form[f"sections-{s}-items-{i}-slug"] = item.slug
            if item.optional:
                form[f"sections-{s}-items-{i}-optional"] = "on"
    return form


def test_editor_page_shows_sections_and_items(make_client):
    page = make_client("ada").get("/admin/paths/api-designer/edit").get_data(as_text=True)
    assert ('name="sections-0-title" data-field="sections-{s}-title" '
            'value="Design stable REST APIs and OpenAPI specs"') in page
    assert "HTTP Protocol" in page and "Save as version 2" in page


def test_editor_actions_reshape_the_draft_without_saving(make_client, session):
    ada = make_client("ada")
    form = editor_form(session)
    moved = ada.post("/admin/paths/api-designer/edit", data=form | {"action": "down:0:0"},
                     headers={"HX-Request": "true", "HX-Target": "editor"})
    html = moved.get_data(as_text=True)
    assert moved.status_code == 200 and "<html" not in html and "Unsaved changes" in html
    assert html.index('value="routing"') < html.index('value="http-protocol"')
    added = ada.post("/admin/paths/api-designer/edit", data=form | {"action": "add:caching", "add_to": "1"})
    assert ('name="sections-1-items-6-slug" data-item-field="sections-{s}-items-{i}-slug" value="caching"'
            in added.get_data(as_text=True))
    assert factories.path(session, "api-designer").version == 1


def test_saving_bumps_the_version_and_records_a_readable_summary(make_client, session):
    ada = make_client("ada")
    form = editor_form(session)
    form["sections-0-title"] = "REST first"
    form["sections-1-items-6-slug"] = "caching"
    del form["sections-3-items-0-slug"]  # remove serialization-deserialization
    response = ada.post("/admin/paths/api-designer/edit", data=form | {"action": "save"})
    assert response.status_code == 303
    session.expire_all()
    path = factories.path(session, "api-designer")
    assert path.version == 2
    latest = session.exec(select(PathVersion).where(PathVersion.path_id == path.id, PathVersion.version == 2)).one()
    assert "Section 1 renamed from “Design stable REST APIs and OpenAPI specs” to “REST first”." in latest.summary
    assert "Added 1 article: “Caching”." in latest.summary  # titles, not slugs
    assert "Removed 1 article: “Serialization & Deserialization”." in latest.summary
    assert "why changed" not in latest.summary  # untouched lines stay as they were
    history = ada.get("/admin/paths/api-designer/history").get_data(as_text=True)
    assert ("Version 2" in history and "Ada" not in history) or "ada" in history


def test_a_stale_save_is_refused_with_what_the_other_admin_changed(make_client, session):
    first, second = make_client("ada"), make_client("ada")
    factories.user(session, "mona").role = Role.admin
    session.commit()
    second = make_client("mona")
    form_one, form_two = editor_form(session), editor_form(session)
    form_one["title"] = "API Designer, revised"
    assert first.post("/admin/paths/api-designer/edit", data=form_one | {"action": "save"}).status_code == 303
    form_two["outcome"] = "Something else entirely."
    conflict = second.post("/admin/paths/api-designer/edit", data=form_two | {"action": "save"})
    assert conflict.status_code == 409
    page = conflict.get_data(as_text=True)
    assert "Not saved: someone else changed this path." in page
    assert "Title changed from “API Designer” to “API Designer, revised”." in page
    assert "Something else entirely." in page  # the second admin's draft is still in the form
    session.expire_all()
    path = factories.path(session, "api-designer")
    assert (path.version, path.title, path.outcome) == (2, "API Designer, revised",
                                                       "Design robust APIs suitable for public or internal use.")


def test_restoring_an_old_version_is_a_new_version(make_client, session):
    ada = make_client("ada")
    form = editor_form(session)
    form["title"] = "Renamed"
    ada.post("/admin/paths/api-designer/edit", data=form | {"action": "save"})
    assert ada.post("/admin/paths/api-designer/restore/1", data={"base_version": "2"}).status_code == 303
    session.expire_all()
    path = factories.path(session, "api-designer")
    assert (path.version, path.title) == (3, "API Designer")
    assert "Restored version 1." in ada.get("/admin/paths/api-designer/history").get_data(as_text=True)


@pytest.mark.parametrize(("change", "message"), [
    ({"title": ""}, "Title: must not be empty"),
    ({"title": "x" * 201}, "at most 200 characters"),
    ({"sections-0-items-1-slug": "http-protocol"}, "duplicate article 'http-protocol'"),
    ({"sections-0-items-1-slug": "no-such-article"}, "unknown article 'no-such-article'"),
    ({"weeks_min": "many"}, "is not a whole number"),
])
def test_bad_edits_get_clear_messages_and_change_nothing(make_client, session, change, message):
    response = make_client("ada").post("/admin/paths/api-designer/edit",
                                       data=editor_form(session) | change | {"action": "save"})
    assert response.status_code == 400
    assert str(escape(message)) in response.get_data(as_text=True)
    session.expire_all()
    assert factories.path(session, "api-designer").version == 1


def test_a_new_draft_path_is_for_admins_only_until_published(make_client, session):
    ada = make_client("ada")
    form = {"slug": "tiny", "title": "Tiny", "summary": "S", "outcome": "O", "weeks_min": "1", "weeks_max": "",
            "order": "9", "status": "draft", "sections-0-title": "Only", "sections-0-items-0-slug": "routing",
            "action": "save"}
    assert ada.post("/admin/paths/new", data=form).status_code == 303
    assert make_client("lena").get("/paths/tiny").status_code == 404
    assert "Tiny" not in make_client("lena").get("/paths/").get_data(as_text=True)
    preview = ada.get("/paths/tiny").get_data(as_text=True)
    assert "Draft preview." in preview
    assert make_client().get("/api/v1/paths/tiny").status_code == 404
    duplicate = ada.post("/admin/paths/new", data=form)
    assert duplicate.status_code == 400 and "already exists" in duplicate.get_data(as_text=True)


def test_an_archived_path_stays_with_its_followers_only(make_client, session):
    lena = make_client("lena")
    lena.post("/paths/api-designer/follow")
    assert make_client("ada").post("/admin/paths/api-designer/status",
                                   data={"status": "archived", "base_version": "1"}).status_code == 303
    assert "API Designer" in lena.get("/paths/").get_data(as_text=True)
    assert "API Designer" not in make_client("leo").get("/paths/").get_data(as_text=True)
    assert "Archived." in make_client("leo").get("/paths/api-designer").get_data(as_text=True)
    assert make_client("leo").post("/paths/api-designer/follow").status_code == 400


def test_articles_a_new_version_adds_after_finishing_are_announced_as_a_catch_up_list(make_client, session):
    lena = factories.user(session, "lena")
    view = progress.path_progress(session=session, user=lena, slug="systems-performance")
    for section in view.detail.sections:
        for entry in section.entries:
            progress.write_mark(session=session, user=lena, article=entry.card.article, state=ProgressState.done)
    form = editor_form(session, "systems-performance")
    form["sections-0-items-6-slug"] = "caching"
    form["sections-1-items-7-slug"] = "databases"
    saved = make_client("ada").post("/admin/paths/systems-performance/edit", data=form | {"action": "save"})
    assert saved.status_code == 303
    page = make_client("lena").get("/paths/systems-performance").get_data(as_text=True)
    assert "Version 2 added 2 articles since you finished version 1" in page


def test_export_and_import_yaml_through_the_browser(make_client, session):
    ada = make_client("ada")
    exported = ada.get("/admin/paths/api-designer.yaml")
    assert exported.mimetype == "application/yaml"
    data = yaml.safe_load(exported.get_data(as_text=True))
    data["title"] = "API Designer (imported)"
    upload = {"file": (__import__("io").BytesIO(yaml.safe_dump(data).encode()), "api-designer.yaml")}
    assert ada.post("/admin/paths/import", data=upload, content_type="multipart/form-data").status_code == 303
    session.expire_all()
    assert factories.path(session, "api-designer").title == "API Designer (imported)"
    version = factories.path(session, "api-designer").version
    # the same file again makes no empty version, and says so
    upload = {"file": (__import__("io").BytesIO(yaml.safe_dump(data).encode()), "api-designer.yaml")}
    again = ada.post("/admin/paths/import", data=upload, content_type="multipart/form-data", follow_redirects=True)
    assert "no new version was made" in again.get_data(as_text=True)
    session.expire_all()
    assert factories.path(session, "api-designer").version == version


@pytest.mark.parametrize(("content", "message"), [
    (b"slug: [broken", "not valid YAML"),
    (b"slug: x\ntitle: X\nsummary: s\noutcome: o\nweeks: {min: 1}\nsections:\n- title: A\n  items: [nope]\n",
     "section 1 &#39;A&#39;: unknown article &#39;nope&#39;"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_a_bad_yaml_upload_is_refused_and_saves_nothing(make_client, session, content, message):
    import io
    before = session.exec(select(LearningPath)).all()
    response = make_client("ada").post("/admin/paths/import", data={"file": (io.BytesIO(content), "x.yaml")},
                                       content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert len(session.exec(select(LearningPath)).all()) == len(before)


def test_catalog_admin_edits_an_article_and_refuses_bad_fields(make_client, session):
    ada = make_client("ada")
    good = {"title": "HTTP Protocol, 2nd ed.", "url": "https://example.org/http", "summary": "Better.",
            "topics": "Foundation, HTTP", "source": "backend-devops-series", "reading_minutes": "12"}
    assert ada.post("/admin/articles/http-protocol/edit", data=good).status_code == 303
    api = make_client().get("/api/v1/articles?q=2nd ed").get_json()["items"][0]
    assert (api["url"], api["reading_minutes"], api["topics"]) == ("https://example.org/http", 12,
                                                                   ["Foundation", "HTTP"])
    for change, message in [({"url": "javascript:alert(1)"}, "Url: must start with http"),
                            ({"title": ""}, "Title:"), ({"reading_minutes": "0"}, "Reading minutes:"),
                            ({"source": "nowhere"}, "unknown source")]:
        response = ada.post("/admin/articles/http-protocol/edit", data=good | change)
        assert response.status_code == 400 and message in response.get_data(as_text=True), change
    assert make_client().get("/api/v1/articles?q=2nd ed").get_json()["items"][0]["title"] == "HTTP Protocol, 2nd ed."


def test_pasting_a_listing_previews_before_saving(make_client):
    ada = make_client("ada")
    text = ("Jul 1, 2025 · DevOps\n\nChaos Engineering in Practice\n\nBreaking things on purpose, safely...\n\n"
            "chaos resilience testing\n")
    preview = ada.post("/admin/articles/import", data={"text": text, "source_name": "Ops Notes"})
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Preview: 1 articles from Ops Notes" in page and "1 new" in page
    assert make_client().get("/api/v1/articles?q=Chaos Engineering").get_json()["total"] == 0
    saved = ada.post("/admin/articles/import", data={"text": text, "source_name": "Ops Notes", "confirm": "yes"})
    assert saved.status_code == 303
    assert make_client().get("/api/v1/articles?q=Chaos Engineering").get_json()["total"] == 1
    bad = ada.post("/admin/articles/import", data={"text": "nothing useful"})
    assert bad.status_code == 400 and "not a listing layout" in bad.get_data(as_text=True)


def test_deactivating_a_user_ends_their_session_and_keeps_their_data(make_client, session):
    lena = make_client("lena")
    lena.put("/api/v1/me/progress/http-protocol", json={"state": "done"})
    ada = make_client("ada")
    assert ada.post("/admin/users/lena", data={"action": "deactivate"}).status_code == 303
    assert lena.get("/account").status_code == 302
    signin = make_client().post("/signin", data={"username": "lena", "password": "correct horse battery staple"})
    assert signin.status_code == 400
    ada.post("/admin/users/lena", data={"action": "reactivate"})
    again = make_client("lena")
    assert again.get("/api/v1/me/progress").get_json()["items"][0]["article_slug"] == "http-protocol"


def test_roles_change_and_admins_cannot_lock_themselves_out(make_client, session):
    ada = make_client("ada")
    ada.post("/admin/users/leo", data={"action": "role", "role": "mentor"})
    assert make_client("leo").get("/mentor/").status_code == 200
    page = ada.post("/admin/users/ada", data={"action": "role", "role": "learner"}, follow_redirects=True)
    assert "You cannot take the admin role from yourself" in page.get_data(as_text=True)
    assert ada.post("/admin/users/leo", data={"action": "role", "role": "king"}).status_code == 400


def test_a_temporary_password_must_be_changed_at_next_sign_in(make_client):
    ada = make_client("ada")
    reset = ada.post("/admin/users/leo", data={"action": "password", "password": "temporary pass 123"})
    assert reset.status_code == 303
    leo = make_client()
    response = leo.post("/signin", data={"username": "leo", "password": "temporary pass 123"})
    assert response.status_code == 302
    dashboard = leo.get("/")
    assert dashboard.status_code == 302 and dashboard.headers["Location"] == "/account"
    assert leo.get("/api/v1/me/paths").status_code == 403
    leo.post("/account/password", data={"current": "temporary pass 123", "password": "my very own secret",
                                        "confirm": "my very own secret"})
    assert leo.get("/").status_code == 200


def test_user_search(make_client):
    page = make_client("ada").get("/admin/users?q=le").get_data(as_text=True)
    assert "lena" in page and "leo" in page and "mona" not in page


def test_the_path_api_saves_versions_and_answers_409_when_stale(make_client, session):
    ada = make_client("ada")
    document = make_client().get("/api/v1/paths/api-designer").get_json()
    document["title"] = "API Designer via API"
    document["sections"][0]["items"] = document["sections"][0]["items"][1:]
    saved = ada.put("/api/v1/paths/api-designer", json=document)
    assert saved.status_code == 200 and saved.get_json()["version"] == 2
    stale = ada.put("/api/v1/paths/api-designer", json=document)
    assert stale.status_code == 409 and stale.get_json()["error"]["current_version"] == 2
    history = ada.get("/api/v1/paths/api-designer/history").get_json()
    assert [h["version"] for h in history["items"]] == [2, 1]
    assert any("Removed 1 article: “HTTP Protocol”." in c for c in history["items"][0]["changes"])
    document["version"] = 2
    document["sections"][0]["items"].append({"article": {"slug": "nope"}, "optional": False})
    bad = ada.put("/api/v1/paths/api-designer", json=document)
    assert bad.status_code == 400 and "unknown article 'nope'" in bad.get_json()["error"]["message"]
    assert make_client("mona").put("/api/v1/paths/api-designer", json=document).status_code == 403


def test_history_shows_text_changes_before_and_after_and_links_each_version(make_client, session):
    ada = make_client("ada")
    form = editor_form(session)
    form["outcome"] = "Ship APIs <that> others can trust."
    form["sections-0-title"] = "REST first"
    saved = ada.post("/admin/paths/api-designer/edit", data=form | {"action": "save"}, follow_redirects=True)
    outcome = ("Outcome changed from “Design robust APIs suitable for public or internal use.” "
               "to “Ship APIs <that> others can trust.”.")
    assert str(escape(outcome)) in saved.get_data(as_text=True)  # the save message
    history = ada.get("/admin/paths/api-designer/history").get_data(as_text=True)
    assert str(escape(outcome)) in history and "<that>" not in history
    assert "Section 1 renamed from “Design stable REST APIs and OpenAPI specs” to “REST first”." in history
    assert '<a href="/admin/paths/api-designer/history/1">View version 1</a>' in history
    assert '<a href="/admin/paths/api-designer/history/2">View version 2</a>' in history
    changes = ada.get("/api/v1/paths/api-designer/history").get_json()["items"][0]["changes"]
    assert outcome in changes


def test_an_old_version_is_shown_whole_before_restoring_it(make_client, session):
    ada = make_client("ada")
    form = editor_form(session)
    form["sections-0-title"] = "REST first"
    del form["sections-0-items-0-slug"]  # HTTP Protocol leaves the path
    ada.post("/admin/paths/api-designer/edit", data=form | {"action": "save"})
    page = ada.get("/admin/paths/api-designer/history/1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Version 1 of “API Designer”" in html
    assert "Section 1: Design stable REST APIs and OpenAPI specs" in html and "Section 1: REST first" not in html
    assert '<a href="/articles/http-protocol">HTTP Protocol</a>' in html
    assert ('<a href="/articles/http-2-vs-http-3-what-changes-for-backend-engineers">HTTP/2 vs HTTP/3: What Changes '
            'for Backend Engineers</a> <span class="badge">optional</span>') in html
    assert "Design robust APIs suitable for public or internal use." in html and "6–10 weeks · Published" in html
    assert ('<form method="post" action="/admin/paths/api-designer/restore/1" class="inline-form">' in html
            and 'name="csrf_token" value="' in html and '<input type="hidden" name="base_version" value="2">' in html
            and "Restore this version" in html)
    assert '<a href="/admin/paths/api-designer/history">Back to the history</a>' in html
    current = ada.get("/admin/paths/api-designer/history/2").get_data(as_text=True)
    assert "Section 1: REST first" in current and "This is the current version." in current
    assert "Restore this version" not in current
    restored = ada.post("/admin/paths/api-designer/restore/1", data={"base_version": "2"}, follow_redirects=True)
    assert "Version 1 restored as version 3; the path stays published." in restored.get_data(as_text=True)


def test_a_shortened_text_change_is_whole_on_the_version_page(make_client, session):
    ada = make_client("ada")
    form = editor_form(session)
    old_summary = form["summary"]
    form["summary"] = old_summary.replace("external customers", "partners & <b>friends</b>")
    ada.post("/admin/paths/api-designer/edit", data=form | {"action": "save"})
    history = ada.get("/admin/paths/api-designer/history").get_data(as_text=True)
    assert str(escape("Summary changed from “…APIs used by other teams or by external customers.” "
                      "to “…APIs used by other teams or by partners & <b>friends</b>.”.")) in history
    assert old_summary not in history
    page = ada.get("/admin/paths/api-designer/history/2").get_data(as_text=True)
    assert str(escape(form["summary"])) in page and "<b>friends</b>" not in page  # the whole new text, escaped
    assert "Before (version 1):" in page and str(escape(old_summary)) in page  # and the whole old one


def test_an_unknown_version_is_not_found(make_client):
    ada = make_client("ada")
    missing = ada.get("/admin/paths/api-designer/history/99")
    assert missing.status_code == 404 and "There is no version 99 of this path." in missing.get_data(as_text=True)
    assert ada.get("/admin/paths/no-such-path/history/1").status_code == 404
    assert ada.get("/admin/paths/api-designer/history/0").status_code == 404


def test_only_admins_see_an_old_version(make_client):
    assert make_client("lena").get("/admin/paths/api-designer/history/1").status_code == 403
    assert make_client("mona").get("/admin/paths/api-designer/history/1").status_code == 403
    anonymous = make_client().get("/admin/paths/api-designer/history/1")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/signin")


NEW_ARTICLE = {"title": "  restful api DESIGN ", "url": "https://example.org/rest",
               "summary": "Another take <on> REST.", "topics": "API, REST", "source": "architecture-notes",
               "reading_minutes": "9"}


def article_count(session) -> int:
    return len(session.exec(select(Article)).all())


def test_a_new_article_with_a_known_title_is_refused_naming_the_existing_ones(make_client, session):
    before = article_count(session)
    response = make_client("ada").post("/admin/articles/new", data=NEW_ARTICLE)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "2 articles titled “restful api DESIGN” already exist:" in page
    assert ('<a href="/articles/restful-api-design" target="_blank" rel="noopener">RESTful API Design'
            '<span class="visually-hidden"> (opens in a new tab)</span></a> from Backend &amp; DevOps Series') in page
    assert '<a href="/articles/restful-api-design-backend-development-hub"' in page
    assert "from Backend Development Hub" in page
    # Everything typed is still in the form, and the confirmation is offered.
    assert 'value="  restful api DESIGN "' in page and 'value="https://example.org/rest"' in page
    assert "Another take &lt;on&gt; REST.</textarea>" in page and 'value="API, REST"' in page and 'value="9"' in page
    assert '<option value="architecture-notes" selected>' in page
    assert ('<input type="checkbox" name="same_title" value="restful api DESIGN"> Add it anyway: it is a '
            'different article') in page
    session.expire_all()
    assert article_count(session) == before


def test_a_confirmed_article_with_a_known_title_is_added(make_client, session):
    before = article_count(session)
    saved = make_client("ada").post("/admin/articles/new", data=NEW_ARTICLE | {"same_title": "  restful api DESIGN "})
    assert saved.status_code == 303
    session.expire_all()
    assert article_count(session) == before + 1
    new = session.exec(select(Article).where(Article.summary == "Another take <on> REST.")).one()
    assert new.title == "restful api DESIGN" and new.slug not in {"restful-api-design",
                                                                   "restful-api-design-backend-development-hub"}
    assert saved.headers["Location"] == f"/admin/articles/{new.slug}/edit"


def test_a_confirmation_for_one_title_does_not_add_another(make_client, session):
    before = article_count(session)
    response = make_client("ada").post("/admin/articles/new",
                                       data=NEW_ARTICLE | {"title": "Caching", "same_title": "restful api design"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and '<a href="/articles/caching"' in page
    assert '<input type="checkbox" name="same_title" value="Caching">' in page  # asked again, for this title
    session.expire_all()
    assert article_count(session) == before


def test_renaming_an_article_to_a_known_title_warns_the_same_way(make_client, session):
    ada = make_client("ada")
    edit = NEW_ARTICLE | {"title": "caching", "source": "backend-devops-series"}
    response = ada.post("/admin/articles/http-protocol/edit", data=edit)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "An article titled “caching” already exists:" in page
    assert '<a href="/articles/caching"' in page and "Save it anyway: it is a different article" in page
    session.expire_all()
    assert factories.article(session, "http-protocol").title == "HTTP Protocol"
    assert ada.post("/admin/articles/http-protocol/edit", data=edit | {"same_title": "caching"}).status_code == 303
    session.expire_all()
    assert factories.article(session, "http-protocol").title == "caching"
    # An article that already shares its title saves its other fields without being asked.
    same = {"title": "RESTful API Design", "summary": "Updated.", "source": "backend-devops-series"}
    assert ada.post("/admin/articles/restful-api-design/edit", data=same).status_code == 303


def test_the_path_api_keeps_a_section_s_why_when_a_client_leaves_it_out(make_client, session):
    ada = make_client("ada")
    document = make_client().get("/api/v1/paths/api-designer").get_json()
    first_why = document["sections"][0]["why"]
    assert first_why
    del document["sections"][0]["why"]
    document["sections"][1]["why"] = "GraphQL and gRPC, each in depth."
    saved = ada.put("/api/v1/paths/api-designer", json=document).get_json()
    assert [s["why"] for s in saved["sections"][:2]] == [first_why, "GraphQL and gRPC, each in depth."]
    link_only = {"article": {"slug": "restful-api-design-backend-development-hub"}, "optional": False}
    saved["sections"][3]["items"].append(link_only)
    refused = ada.put("/api/v1/paths/api-designer", json=saved)
    assert refused.status_code == 400 and "is a link-only entry" in refused.get_json()["error"]["message"]
