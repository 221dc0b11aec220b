"""Who may see and do what: one function per access rule, used by pages, the API and templates alike."""

from __future__ import annotations

from sqlalchemy.orm import object_session
from sqlmodel import Session, col, select

from tracker.models import (
    Article,
    Credential,
    Group,
    GroupMember,
    LearningPath,
    Mentorship,
    MentorshipStatus,
    PathStatus,
    Role,
    User,
)


def is_admin(user: User | None) -> bool:
    return user is not None and user.has_role(Role.admin)


# ---------------------------------------------------------------- paths

def can_see_path(user: User | None, path: LearningPath, *, session: Session | None = None) -> bool:
    """Drafts are for admins only; published and archived paths can be opened by anyone with the link. A personal
    path follows `can_see_personal_path` (its mentors are looked up through `session`, else the path's own)."""
    if path.owner_id is not None:
        own = object_session(path)
        return can_see_personal_path(session=session or (own if isinstance(own, Session) else None), viewer=user,
                                     path=path)
    return is_admin(user) or path.status != PathStatus.draft


def can_see_personal_path(*, session: Session | None, viewer: User | None, path: LearningPath) -> bool:
    """A learner's personal path: its owner, and their active mentors while the owner shares it. Nobody else, not
    even an admin: it is the learner's own notebook, in no list, and its page answers "not found"."""
    if viewer is None or path.owner_id is None:
        return False
    if viewer.id == path.owner_id:
        return True
    if not path.shared_with_mentors or session is None or not viewer.has_role(Role.mentor):
        return False
    owner = session.get(User, path.owner_id)
    return owner is not None and is_mentor_of(session=session, mentor=viewer, learner=owner)


def can_edit_personal_path(viewer: User | None, path: LearningPath) -> bool:
    """Renaming, adding and removing articles and resources, reordering, sharing, and taking or leaving the curated
    path's changes: the owner only (a mentor who made the copy for a mentee handed it over)."""
    return viewer is not None and path.owner_id is not None and viewer.id == path.owner_id


def can_copy_path_for(*, session: Session, viewer: User | None, learner: User) -> bool:
    """Whose personal copy of a path `viewer` may make: their own, and their active mentees' (as a mentor)."""
    if viewer is None:
        return False
    return viewer.id == learner.id or (viewer.has_role(Role.mentor)
                                       and is_mentor_of(session=session, mentor=viewer, learner=learner))


def can_be_copied(path: LearningPath) -> bool:
    """Learners copy published curated paths only (not drafts, archived or personal paths)."""
    return path.owner_id is None and path.status == PathStatus.published


def listed_statuses(user: User | None) -> tuple[str, ...] | None:
    """Which paths the path list offers this user (None: every path). Archived ones a user follows or was
    assigned are added to the list by the caller."""
    return None if is_admin(user) else (PathStatus.published,)


def can_follow_path(path: LearningPath) -> bool:
    """Only published curated paths take new followers (a personal path's owner follows it from the start);
    anyone may stop following any path."""
    return path.status == PathStatus.published and path.owner_id is None


def can_be_assigned(path: LearningPath) -> bool:
    """Mentors assign published curated paths only (never a learner's personal path)."""
    return path.status == PathStatus.published and path.owner_id is None


# ---------------------------------------------------------------- learners

def is_mentor_of(*, session: Session, mentor: User, learner: User) -> bool:
    """True when `mentor` has an active mentorship of `learner`."""
    status = session.exec(select(Mentorship.status).where(Mentorship.mentor_id == mentor.id,
                                                          Mentorship.learner_id == learner.id)).first()
    return status == MentorshipStatus.active


def can_look_after(*, session: Session, viewer: User | None, learner: User | None) -> bool:
    """Who may see a learner's progress and shared notes, assign them paths and reply: an admin, or the
    learner's active mentor. Unknown learners are nobody's."""
    if viewer is None or learner is None:
        return False
    return is_admin(viewer) or (viewer.has_role(Role.mentor)
                                and is_mentor_of(session=session, mentor=viewer, learner=learner)) \
        or manages_group_of(session=session, manager=viewer, learner=learner)


# ---------------------------------------------------------------- groups

def manages_group_of(*, session: Session, manager: User, learner: User) -> bool:
    """True when `manager` manages a group `learner` is in (a manager of a group is not their own learner)."""
    if manager.id == learner.id:
        return False
    mine = select(GroupMember.group_id).where(GroupMember.user_id == manager.id,
                                              GroupMember.is_manager == True)  # noqa: E712 (SQL, not Python)
    return session.exec(select(GroupMember.id).where(GroupMember.user_id == learner.id,
                                                     col(GroupMember.group_id).in_(mine))).first() is not None


def can_manage_group(*, session: Session, viewer: User | None, group: Group) -> bool:
    """Who may see a group's overview and assign within it: admins, and the group's own managers. Nobody else
    learns that the group exists."""
    if viewer is None:
        return False
    if is_admin(viewer):
        return True
    return session.exec(select(GroupMember.id).where(GroupMember.group_id == group.id,
                                                     GroupMember.user_id == viewer.id,
                                                     GroupMember.is_manager == True)  # noqa: E712
                        ).first() is not None


def can_administer_groups(viewer: User | None) -> bool:
    """Making, renaming and deleting groups, choosing their managers and mapping them to the identity provider's
    groups: admins."""
    return is_admin(viewer)


# ---------------------------------------------------------------- credentials

def can_view_credential(viewer: User | None, credential: Credential) -> bool:
    """Its owner always; everyone else only once the owner shared it (revoked ones stay visible as revoked)."""
    return credential.shared or (viewer is not None and viewer.id == credential.user_id)


def can_share_credential(viewer: User | None, credential: Credential) -> bool:
    """Only the learner decides who sees their certificate."""
    return viewer is not None and viewer.id == credential.user_id


def can_revoke_credential(viewer: User | None) -> bool:
    return is_admin(viewer)


def can_regrant_credential(viewer: User | None) -> bool:
    """Giving back a revoked credential is an admin's explicit decision; no mark does it."""
    return is_admin(viewer)


# ---------------------------------------------------------------- learning records

def can_handle_refused_statements(viewer: User | None) -> bool:
    """Retrying or discarding statements the Learning Record Store refused: admins."""
    return is_admin(viewer)


# ---------------------------------------------------------------- webhooks

def can_manage_webhooks(viewer: User | None) -> bool:
    """Registering, switching and deleting the endpoints events are sent to, and testing them: admins."""
    return is_admin(viewer)


# ---------------------------------------------------------------- the audit log

def can_read_audit_log(viewer: User | None) -> bool:
    """Reading and exporting the audit log (who enrolled whom, role and group changes, sign-ins through the
    identity provider): admins."""
    return is_admin(viewer)


# ---------------------------------------------------------------- personal resources

def can_see_resource(*, session: Session, viewer: User | None, resource: Article) -> bool:
    """A learner's own resource: its owner, and the owner's active mentors once the owner shared it. Nobody else,
    admins included, learns that it exists. A catalog article (no owner) is everyone's."""
    if resource.owner_id is None:
        return True
    if viewer is None:
        return False
    if viewer.id == resource.owner_id:
        return True
    owner = session.get(User, resource.owner_id)
    return resource.shared_with_mentors and owner is not None \
        and sees_shared_resources_of(session=session, viewer=viewer, owner=owner)


def sees_shared_resources_of(*, session: Session, viewer: User | None, owner: User) -> bool:
    """Whose shared resources a viewer sees besides their own: their active mentees' (a mentor's role held)."""
    return viewer is not None and viewer.id != owner.id and viewer.has_role(Role.mentor) \
        and is_mentor_of(session=session, mentor=viewer, learner=owner)


def can_edit_resource(viewer: User | None, resource: Article) -> bool:
    """Changing, deleting and marking a resource: its owner only."""
    return viewer is not None and resource.owner_id is not None and viewer.id == resource.owner_id
