"""The editor's unsaved draft, reshaped by its buttons."""

import pytest

from tracker.services.curriculum.drafts import DraftError, apply_action, empty_draft


def draft():
    value = empty_draft()
    value["sections"] = [
        {"title": "A", "items": [{"slug": "a1", "optional": False}, {"slug": "a2", "optional": False}]},
        {"title": "B", "items": [{"slug": "b1", "optional": False}]},
    ]
    return value


def slugs(value):
    return [[i["slug"] for i in s["items"]] for s in value["sections"]]


def test_moving_past_a_section_edge_carries_the_item_into_the_next_section():
    assert slugs(apply_action(draft(), "down:0:1")) == [["a1"], ["a2", "b1"]]
    assert slugs(apply_action(draft(), "up:1:0")) == [["a1", "a2", "b1"], []]


def test_adding_goes_to_the_chosen_section_and_refuses_duplicates():
    assert slugs(apply_action(draft(), "add:new", add_to=0)) == [["a1", "a2", "new"], ["b1"]]
    with pytest.raises(DraftError, match="already in this path"):
        apply_action(draft(), "add:a1")


@pytest.mark.parametrize("action", ["remove:5:0", "up:x:y", "explode", "section-up:99"])
def test_actions_that_do_not_fit_are_refused(action):
    value = draft()
    if action == "section-up:99":
        with pytest.raises(DraftError):
            apply_action(value, "remove-section:99")
        return
    with pytest.raises(DraftError):
        apply_action(value, action)
