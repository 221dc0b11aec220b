"""Giving a stored path's sections their rules, the way an admin saves them (a new version)."""

from sqlmodel import Session

from tests import factories
from tracker.models import LearningPath, SectionKind
from tracker.services.curriculum import store as path_store
from tracker.services.curriculum.queries import path_definition

GRAPHQL = 1  # api-designer's section 2: four required articles, two optional
GRAPHQL_REQUIRED = ["tcp-udp-http-grpc-websockets-when-to-use-each", "beyond-rest-grpc-graphql",
                    "grpc-communication-server-to-server-communication-technologies",
                    "graphql-federation-server-to-server-communication-technologies"]


def give_rules(session: Session, slug: str, rules: dict[int, dict]) -> LearningPath:
    """Save a new version of the path whose sections (by index) take these fields (kind, pick, sequential)."""
    path = factories.path(session, slug)
    definition = path_definition(session=session, path=path)
    sections = [section.model_copy(update=rules.get(index, {})) for index, section in enumerate(definition.sections)]
    path_store.save_path(session=session, definition=definition.model_copy(update={"sections": sections}),
                         base_version=path.version, author=factories.user(session, "ada"))
    session.expire_all()
    return factories.path(session, slug)


def elective(pick: int, *, sequential: bool = False) -> dict:
    return {"kind": SectionKind.elective, "pick": pick, "sequential": sequential}


def in_order() -> dict:
    return {"sequential": True}
