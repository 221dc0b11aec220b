"""The path editor's path-level rules (prerequisites and mastery), their change lines, and the same through the
API: what the path JSON says of its prerequisites, and path writes that set or keep them."""

from __future__ import annotations

from tests import factories
from tests.services.curriculum.test_prerequisites import with_prerequisites
from tests.web.test_admin import editor_form
from tracker.models import PathStatus
from tracker.services.curriculum.queries import path_definition

HX = {"HX-Request": "true"}


def rules(form: dict, *wanted: tuple[str, str], share: str = "", retrievability: str = "90") -> dict:
    """The editor form with these (path slug, "recommended" or "required") rows and mastery fields."""
    form = dict(form)
    for index, (slug, kind) in enumerate(wanted):
        form[f"prerequisites-{index}-slug"], form[f"prerequisites-{index}-kind"] = slug, kind
    form["mastery_share"], form["mastery_retrievability"] = share, retrievability
    return form


def test_the_editor_shows_each_other_path_with_its_choice_and_the_mastery_fields(make_client, session):
    with_prerequisites(session, "production-services", ("api-designer", True))
    with_prerequisites(session, "systems-performance", status=PathStatus.draft)
    page = make_client("ada").get("/admin/paths/production-services/edit").get_data(as_text=True)
    assert "Before this path" in page and "Mastery" in page
    first = page.split('name="prerequisites-0-slug" value="')[1]
    assert first.startswith("api-designer")
    assert '<option value="required" selected>Required first</option>' in page
    assert 'id="prerequisite-production-services"' not in page  # not its own prerequisite
    assert '<span class="muted small">(draft)</span>' in page
    assert 'id="mastery_share" name="mastery_share" type="number" min="1" max="100" value=""' in page


def test_saving_prerequisites_and_mastery_in_the_editor_names_them_in_the_version(make_client, session):
    ada = make_client("ada")
    form = rules(editor_form(session, "production-services"), ("api-designer", "required"),
                 ("systems-performance", "recommended"), share="80", retrievability="85")
    response = ada.post("/admin/paths/production-services/edit", data=form)
    assert response.status_code == 303
    session.expire_all()
    definition = path_definition(session=session, path=factories.path(session, "production-services"))
    assert [(p.slug, p.required) for p in definition.prerequisites] == [("api-designer", True),
                                                                        ("systems-performance", False)]
    assert definition.mastery is not None and (definition.mastery.share, definition.mastery.retrievability) == (80, 85)
    page = ada.get("/admin/paths/production-services/edit").get_data(as_text=True)
    assert "Prerequisite api-designer added (required)." in page
    assert "Mastery asked: 80% of required articles recalled at 85% or more." in page


def test_a_circle_is_refused_in_the_editor_with_its_paths_named_and_nothing_saved(make_client, session):
    with_prerequisites(session, "production-services", ("api-designer", True))
    form = rules(editor_form(session, "api-designer"), ("production-services", "recommended"))
    for headers in ({}, HX):
        response = make_client("ada").post("/admin/paths/api-designer/edit", data=form, headers=headers)
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "api-designer → production-services → api-designer" in text and 'role="alert"' in text
    session.expire_all()
    assert factories.path(session, "api-designer").version == 1


def test_an_unknown_choice_or_an_out_of_range_mastery_is_refused_with_a_reason(make_client, session):
    ada = make_client("ada")
    forged = rules(editor_form(session, "production-services"), ("api-designer", "mandatory"))
    assert ada.post("/admin/paths/production-services/edit", data=forged).status_code == 400
    too_much = rules(editor_form(session, "production-services"), share="120")
    response = ada.post("/admin/paths/production-services/edit", data=too_much)
    assert response.status_code == 400 and "Mastery.share: must be at most 100" in response.get_data(as_text=True)
    session.expire_all()
    assert factories.path(session, "production-services").version == 1


def test_the_path_json_lists_prerequisites_with_the_learners_standing(make_client, client, session):
    with_prerequisites(session, "production-services", ("api-designer", True), ("systems-performance", False))
    lena = make_client("lena")
    lena.post("/articles/http-protocol/progress", data={"state": "done"})
    mine = lena.get("/api/v1/paths/production-services").get_json()["prerequisites"]
    assert [(p["slug"], p["title"], p["required"]) for p in mine] == [
        ("api-designer", "API Designer", True), ("systems-performance", mine[1]["title"], False)]
    assert mine[0]["percent"] == 5 and mine[0]["complete"] is False
    anonymous = client.get("/api/v1/paths/production-services").get_json()["prerequisites"]
    assert anonymous[0]["percent"] is None and anonymous[0]["complete"] is None


def writable(client, slug: str) -> dict:
    """The body a PUT of the path takes, from what GET answers (prerequisites and mastery left out)."""
    body = client.get(f"/api/v1/paths/{slug}").get_json()
    return {"version": body["version"], "title": body["title"], "summary": body["summary"],
            "outcome": body["outcome"], "weeks_min": body["weeks_min"], "weeks_max": body["weeks_max"],
            "sections": [{"title": s["title"], "items": [{"article": {"slug": i["article"]["slug"]},
                                                          "optional": i["optional"]} for i in s["items"]]}
                         for s in body["sections"]]}


def test_an_api_path_write_sets_prerequisites_and_keeps_them_when_left_out(make_client, session):
    ada = make_client("ada")
    write = writable(ada, "production-services")
    saved = ada.put("/api/v1/paths/production-services",
                    json={**write, "prerequisites": [{"slug": "api-designer", "required": True}],
                          "mastery": {"share": 50}})
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["prerequisites"] == [{"slug": "api-designer", "title": "API Designer", "required": True,
                                                  "percent": None, "complete": None}]
    kept = ada.put("/api/v1/paths/production-services", json={**write, "version": write["version"] + 1,
                                                              "title": "Renamed"})
    assert kept.status_code == 200 and kept.get_json()["prerequisites"][0]["slug"] == "api-designer"
    session.expire_all()
    definition = path_definition(session=session, path=factories.path(session, "production-services"))
    assert definition.mastery is not None and definition.mastery.share == 50
    circle = ada.put("/api/v1/paths/api-designer",
                     json={**writable(ada, "api-designer"), "prerequisites": [{"slug": "production-services"}]})
    assert circle.status_code == 400
    assert "api-designer → production-services → api-designer" in circle.get_json()["error"]["message"]
