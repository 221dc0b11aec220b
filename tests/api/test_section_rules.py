"""Section rules in the API: each section's kind, pick and order with the path; whether an article is closed for
the signed-in learner; the preview of a change; a mark of a closed article on its path refused."""

from __future__ import annotations

from sqlmodel import select

from tests import factories
from tests.section_rules import GRAPHQL, GRAPHQL_REQUIRED, elective, give_rules, in_order
from tracker.models import Progress, ProgressEvent, ProgressState
from tracker.services.progress import follows
from tracker.services.progress import marks as progress


def _body(path_json: dict) -> dict:
    """What GET /paths/<slug> answered, as PUT /paths/<slug> takes it back."""
    return {"version": path_json["version"], "title": path_json["title"], "summary": path_json["summary"],
            "outcome": path_json["outcome"], "weeks_min": path_json["weeks_min"],
            "weeks_max": path_json["weeks_max"],
            "sections": [{"title": s["title"], "items": [{"article": {"slug": i["article"]["slug"]},
                                                         "optional": i["optional"]} for i in s["items"]]}
                         for s in path_json["sections"]]}


def test_a_path_carries_each_sections_rule_and_a_learners_closed_articles(make_client, session, client):
    give_rules(session, "api-designer", {GRAPHQL: elective(2, sequential=True)})
    section = make_client("lena").get("/api/v1/paths/api-designer").get_json()["sections"][GRAPHQL]
    assert (section["kind"], section["pick"], section["sequential"]) == ("elective", 2, True)
    assert section["rule"] == "Elective: any 2 of 4 · in order"
    locked = {i["article"]["slug"]: (i["locked"], i["locked_by"]) for i in section["items"]}
    assert locked[GRAPHQL_REQUIRED[0]] == (False, None)
    assert locked[GRAPHQL_REQUIRED[1]] == (True, GRAPHQL_REQUIRED[0])
    anonymous = client.get("/api/v1/paths/api-designer").get_json()["sections"][GRAPHQL]["items"]
    assert {item["locked"] for item in anonymous} == {None}


def test_a_put_that_leaves_the_rule_out_keeps_it_and_one_that_names_it_changes_it(make_client, session):
    give_rules(session, "api-designer", {GRAPHQL: elective(2)})
    ada = make_client("ada")
    body = _body(ada.get("/api/v1/paths/api-designer").get_json())
    kept = ada.put("/api/v1/paths/api-designer", json=body | {"title": "API Designer, again"})
    assert kept.status_code == 200 and kept.get_json()["sections"][GRAPHQL]["pick"] == 2
    body = _body(kept.get_json())
    body["sections"][GRAPHQL] |= {"kind": "core", "sequential": True}
    changed = ada.put("/api/v1/paths/api-designer", json=body).get_json()["sections"][GRAPHQL]
    assert (changed["kind"], changed["pick"], changed["sequential"]) == ("core", None, True)


def test_a_pick_larger_than_the_section_is_refused_in_plain_words(make_client, session):
    ada = make_client("ada")
    body = _body(ada.get("/api/v1/paths/api-designer").get_json())
    body["sections"][GRAPHQL] |= {"kind": "elective", "pick": 5}
    refused = ada.put("/api/v1/paths/api-designer", json=body)
    assert refused.status_code == 400
    assert "asks for any 5 articles but has only 4 required articles" in refused.get_json()["error"]["message"]
    assert factories.path(session, "api-designer").version == 1


def test_the_preview_answers_how_percentages_would_move_and_saves_nothing(make_client, session):
    lena = factories.user(session, "lena")
    follows.follow_path(session=session, user=lena, path=factories.path(session, "api-designer"))
    for slug in GRAPHQL_REQUIRED[:2]:
        progress.write_mark(session=session, user=lena, article=factories.article(session, slug),
                            state=ProgressState.done)
    ada = make_client("ada")
    body = _body(ada.get("/api/v1/paths/api-designer").get_json())
    body["sections"][GRAPHQL] |= {"kind": "elective", "pick": 2}
    answer = ada.post("/api/v1/paths/api-designer/preview", json=body)
    assert answer.status_code == 200, answer.get_json()
    preview = answer.get_json()
    assert (preview["learners"], preview["changed"], preview["up"], preview["down"]) == (1, 1, 1, 0)
    assert preview["summary"] == "Saving this: 1 learner's percentage changes — 1 goes up."
    assert any("is now elective: any 2 of 4." in line for line in preview["changes"])
    assert factories.path(session, "api-designer").version == 1
    assert make_client("lena").post("/api/v1/paths/api-designer/preview", json=body).status_code == 403


def test_marking_a_closed_article_on_its_path_through_the_api_is_refused_and_writes_nothing(make_client, session):
    give_rules(session, "api-designer", {GRAPHQL: in_order()})
    lena = make_client("lena")
    refused = lena.put(f"/api/v1/me/progress/{GRAPHQL_REQUIRED[1]}", json={"state": "done", "path": "api-designer"})
    assert refused.status_code == 409
    assert "opens once you finish" in refused.get_json()["error"]["message"]
    user = factories.user(session, "lena")
    assert session.exec(select(Progress).where(Progress.user_id == user.id)).all() == []
    assert session.exec(select(ProgressEvent).where(ProgressEvent.user_id == user.id)).all() == []
    elsewhere = lena.put(f"/api/v1/me/progress/{GRAPHQL_REQUIRED[1]}", json={"state": "done"})
    assert elsewhere.status_code == 200  # not on the path: an article is one article
