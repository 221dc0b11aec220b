"""Helpers that arrange data directly in the database, for tests."""

from __future__ import annotations

from sqlmodel import Session, select

from tracker.models import Article, LearningPath, Role, User
from tracker.services import accounts, mentorships


def user(session: Session, username: str) -> User:
    return accounts.get_user(session=session, username=username)


def path(session: Session, slug: str) -> LearningPath:
    return session.exec(select(LearningPath).where(LearningPath.slug == slug)).one()


def article(session: Session, slug: str) -> Article:
    return session.exec(select(Article).where(Article.slug == slug)).one()


def add_learners(session: Session, prefix: str, count: int) -> list[User]:
    """Many learners at once, reusing one stored hash (hashing each would only slow the test)."""
    password_hash = user(session, "lena").password_hash
    users = [User(username=f"{prefix}{i:03d}", password_hash=password_hash, role=Role.learner) for i in range(count)]
    session.add_all(users)
    session.commit()
    return users


def mentor_of(session: Session, mentor: str, *learners: str) -> None:
    for name in learners:
        mentorships.link(session=session, mentor=user(session, mentor), learner=user(session, name))
