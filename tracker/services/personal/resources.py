"""Personal resources: a learner's own link (a title, an address, minutes), kept as an article with an owner.

A resource lives in its owner's personal path, or beside a catalog article; it is private, or shown to the
owner's mentors. It is never part of the catalog: no list, search, export or curated path shows it (every catalog
query keeps to `catalog.articles.in_catalog()`), and its page answers 404 to anyone `access.can_see_resource`
refuses.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from tracker.models import READING_MINUTES_MAX, Article, Source, User, utcnow
from tracker.services import access
from tracker.services.catalog.articles import PERSONAL_SOURCE  # the source every resource belongs to; never listed
from tracker.services.errors import Invalid, NotFound

TITLE_MAX = 200
URL_MAX = 500


def personal_source(*, session: Session) -> Source:
    """The one source of personal resources (made on first use)."""
    source = session.exec(select(Source).where(Source.slug == PERSONAL_SOURCE)).first()
    if source is None:
        source = Source(slug=PERSONAL_SOURCE, name="Your own resources", provenance="")
        session.add(source)
        session.flush()
    return source


class ResourceError(Invalid):
    """A resource's field breaks a rule; `field` names it (title, url or minutes)."""

    def __init__(self, field: str, message: str):
        super().__init__(message, field=field)
        self.field = field


@dataclass(frozen=True)
class ResourceFields:
    """A resource's fields, checked: what forms and the API hand over once `checked_fields` accepted them."""

    title: str
    url: str
    minutes: int | None


def checked_title(title: str | None) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ResourceError("title", "Give the resource a title.")
    if len(title) > TITLE_MAX:
        raise ResourceError("title", f"A title holds at most {TITLE_MAX} characters (this one has {len(title)}).")
    return title


def checked_url(url: str | None) -> str:
    """An address a browser opens as a web page: http or https with a host. Anything else (javascript:, data:,
    file:, a bare word) is refused, so a resource's link can never run code in the tracker's pages."""
    url = (url or "").strip()
    if not url:
        raise ResourceError("url", "Give the resource's address (starting with https:// or http://).")
    if len(url) > URL_MAX:
        raise ResourceError("url", f"An address holds at most {URL_MAX} characters.")
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in ("http", "https"):
        raise ResourceError("url", "Only web addresses starting with https:// or http:// can be saved "
                                   "(javascript:, data: and other kinds of links are refused).")
    if not parts.hostname or any(c.isspace() or ord(c) < 32 for c in url):
        raise ResourceError("url", "That address has no site in it, or holds spaces: check it and try again.")
    return url


def checked_minutes(minutes: int | str | None) -> int | None:
    if minutes is None or minutes == "":
        return None
    try:
        value = int(minutes)
    except (TypeError, ValueError):
        raise ResourceError("minutes", "Minutes must be a whole number.") from None
    if not 1 <= value <= READING_MINUTES_MAX:
        raise ResourceError("minutes", f"Minutes must be between 1 and {READING_MINUTES_MAX}, or left empty.")
    return value


def checked_fields(*, title: str | None, url: str | None, minutes: int | str | None) -> ResourceFields:
    """The fields, tidied, or ResourceError naming the first field that is wrong and why."""
    return ResourceFields(title=checked_title(title), url=checked_url(url), minutes=checked_minutes(minutes))


def create_resource(*, session: Session, owner: User, title: str, url: str, minutes: int | None,
                    shared_with_mentors: bool = False, attached_to: Article | None = None) -> Article:
    """A new resource of `owner`'s. The caller validates the fields (`checked_fields`) and commits."""
    now = utcnow()
    resource = Article(slug=f"{PERSONAL_SOURCE}-{secrets.token_hex(6)}", title=title.strip(), url=url.strip(),
                       reading_minutes=minutes, source_id=personal_source(session=session).id, owner_id=owner.id,
                       attached_to_id=attached_to.id if attached_to is not None else None,
                       shared_with_mentors=shared_with_mentors, created_at=now, updated_at=now)
    session.add(resource)
    session.flush()
    return resource


def add_resource(*, session: Session, owner: User, title: str | None, url: str | None,
                 minutes: int | str | None, shared_with_mentors: bool = False,
                 beside: str | None = None) -> Article:
    """Check the fields and add `owner`'s resource, beside the catalog article with slug `beside` when given
    (NotFound for an article the catalog does not hold). Commits; nothing is written when refused."""
    fields = checked_fields(title=title, url=url, minutes=minutes)
    attached_to = _catalog_article(session=session, slug=beside) if beside else None
    resource = create_resource(session=session, owner=owner, title=fields.title, url=fields.url,
                               minutes=fields.minutes, shared_with_mentors=shared_with_mentors,
                               attached_to=attached_to)
    session.commit()
    return resource


def _catalog_article(*, session: Session, slug: str) -> Article:
    article = session.exec(select(Article).where(Article.slug == slug, col(Article.owner_id).is_(None))).first()
    if article is None:
        raise NotFound(f"There is no article called '{slug[:80]}'.")
    return article


def own_resource(*, session: Session, owner: User | None, key: int | str) -> Article:
    """`owner`'s resource by id or slug, for changing it; NotFound for anyone else's (the same answer as for one
    that does not exist: nobody learns another learner's resources exist)."""
    query = select(Article).where(col(Article.owner_id).is_not(None))
    query = query.where(Article.id == key) if isinstance(key, int) else query.where(Article.slug == key)
    resource = session.exec(query).first()
    if resource is None or not access.can_edit_resource(owner, resource):
        raise NotFound("There is no such resource of yours.")
    return resource


def visible_resource(*, session: Session, viewer: User | None, slug: str) -> Article:
    """The resource with this slug when `viewer` may see it (`access.can_see_resource`), or NotFound."""
    resource = session.exec(select(Article).where(Article.slug == slug, col(Article.owner_id).is_not(None))).first()
    if resource is None or not access.can_see_resource(session=session, viewer=viewer, resource=resource):
        raise NotFound(f"There is no article called '{slug[:80]}'.")
    return resource


def edit_resource(*, session: Session, resource: Article, title: str | None, url: str | None,
                  minutes: int | str | None, shared_with_mentors: bool) -> Article:
    """Change a resource's fields (the caller found it with `own_resource`). Commits; nothing when refused."""
    fields = checked_fields(title=title, url=url, minutes=minutes)
    resource.title, resource.url, resource.reading_minutes = fields.title, fields.url, fields.minutes
    resource.shared_with_mentors = shared_with_mentors
    resource.updated_at = utcnow()
    session.add(resource)
    session.commit()
    return resource


def delete_resource(*, session: Session, resource: Article) -> None:
    """Delete a resource (the caller found it with `own_resource`) with its marks, notes and cards. Commits."""
    session.delete(resource)
    session.commit()


def my_resources(*, session: Session, owner: User) -> list[Article]:
    """Every resource of `owner`'s, newest first."""
    return list(session.exec(select(Article).where(Article.owner_id == owner.id)
                             .order_by(col(Article.created_at).desc(), col(Article.id).desc())))


def beside_articles(*, session: Session, viewer: User | None, owner: User | None,
                    article_ids: Iterable[int]) -> dict[int, list[Article]]:
    """`owner`'s resources beside these catalog articles that `viewer` may see, by article id, oldest first.
    The owner gets every asked id (an empty list where there are none yet: the page offers to add one there);
    their active mentors get the shared ones only; anyone else nothing. One query (two for a mentor)."""
    ids = list(article_ids)
    if viewer is None or owner is None or not ids:
        return {}
    own = viewer.id == owner.id
    if not own and not access.sees_shared_resources_of(session=session, viewer=viewer, owner=owner):
        return {}
    query = select(Article).where(Article.owner_id == owner.id, col(Article.attached_to_id).in_(ids))
    if not own:
        query = query.where(Article.shared_with_mentors == True)  # noqa: E712 (SQL, not Python)
    found: dict[int, list[Article]] = defaultdict(list) if not own else {id_: [] for id_ in ids}
    for resource in session.exec(query.order_by(col(Article.created_at), col(Article.id))):
        found.setdefault(resource.attached_to_id or 0, []).append(resource)
    return dict(found)
