"""What the User and Group mappings share: versions as ETags, If-Match, pages of a list, and uniqueness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scim2_models import InvalidValueException, Meta, PreconditionFailedException, SearchRequest

from tracker.models import as_utc
from tracker.services.provisioning.schema import DEFAULT_COUNT, MAX_RESULTS


def etag(version: int) -> str:
    """A resource's version as SCIM's meta.version and the HTTP ETag: weak, since the JSON may be rendered
    differently for the same state."""
    return f'W/"{version}"'


def check_if_match(version: int, if_match: str | None) -> None:
    """Refuse (412) a change whose If-Match names none of the resource's current version (`*` matches any)."""
    if if_match is None:
        return
    wanted = {tag.strip().removeprefix("W/") for tag in if_match.split(",") if tag.strip()}
    if "*" in wanted or f'"{version}"' in wanted:
        return
    raise PreconditionFailedException(
        detail=f"The resource changed: its version is now {etag(version)}. Read it again, then retry.")


def meta(*, resource_type: str, location: str, created: datetime, modified: datetime | None,
         version: int) -> Meta:
    return Meta(resource_type=resource_type, location=location, created=as_utc(created),
                last_modified=as_utc(modified or created), version=etag(version))


@dataclass(frozen=True)
class Page:
    """Where a page starts (0-based offset) and how many it holds at most."""

    offset: int
    limit: int

    @property
    def start_index(self) -> int:
        return self.offset + 1


def page_of(search: SearchRequest[Any]) -> Page:
    """The page a search asks for: startIndex from 1 (below 1 counts as 1), count from 0 to the maximum."""
    start = max(search.start_index or 1, 1)
    count = DEFAULT_COUNT if search.count is None else min(max(search.count, 0), MAX_RESULTS)
    return Page(offset=start - 1, limit=count)


def text(value: str | None, *, name: str, limit: int) -> str:
    """A string attribute as the tracker keeps it: spaces tidied, at most `limit` characters."""
    cleaned = " ".join((value or "").split())
    if len(cleaned) > limit:
        raise InvalidValueException(detail=f"{name} is at most {limit} characters.")
    return cleaned
