"""What the tracker publishes of itself over SCIM: its User and Group resources (only the attributes it keeps),
their schemas and resource types, its service provider configuration, and how lenient it is with clients.

The resources are scim2-models models, so every payload is read and written by the same definitions that
/Schemas publishes: a client (or a compliance checker) that trusts the schemas finds each attribute kept.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import EmailStr, Field
from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    ETag,
    Filter,
    GroupMembership,
    Mutability,
    Pagination,
    Patch,
    Reference,
    Required,
    Resource,
    Returned,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
MAX_RESULTS = 200  # a page of a list, at most
DEFAULT_COUNT = 100  # a page of a list when the client does not say
# Zones offered as canonical values of `timezone` (any IANA zone is accepted).
# UTC is the tracker's default, shown as no zone at all.
SUGGESTED_ZONES = ["Europe/London", "Europe/Berlin", "America/New_York", "America/Los_Angeles",
                   "Asia/Tokyo", "Australia/Sydney"]
EMAIL_TYPES = ["work", "home", "other"]


class Name(ComplexAttribute):
    """The person's name as the identity provider holds it: written, never returned. The tracker keeps one
    display name; without a `displayName`, the formatted name (or given and family name) becomes it."""

    formatted: str | None = None
    given_name: str | None = None
    family_name: str | None = None


class Email(ComplexAttribute):
    """The account's one email address: the primary one when a client sends several (`primary` picks it, and
    is not kept)."""

    value: EmailStr | None = None
    type: str | None = Field(None, examples=EMAIL_TYPES)


class User(Resource[Any]):
    """A tracker account, as SCIM sees it."""

    __schema__ = URN(USER_SCHEMA)

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The username: stored lower-case; letters, digits and . _ - @ +, at most 64 characters."""

    name: Annotated[Name | None, Mutability.write_only, Returned.never] = None

    display_name: str | None = None

    timezone: str | None = Field(None, examples=SUGGESTED_ZONES)
    """An IANA time zone name: the person's days, due dates and streak follow it."""

    active: Annotated[bool | None, Required.true] = None
    """Whether the person may sign in; false ends their sessions and revokes their API tokens. Required: an
    account is always either."""

    emails: list[Email] | None = None

    groups: Annotated[list[GroupMembership] | None, Mutability.read_only] = None


class Member(ComplexAttribute):
    """A member of a group: a user, by its SCIM id."""

    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = None
    # The referenced resource type by its SCIM name, as scim2-models writes its own references.
    ref: Annotated[Reference["User"] | None, Mutability.immutable] = Field(  # noqa: UP037
        None, serialization_alias="$ref", validation_alias="$ref")
    type: Annotated[str | None, Mutability.immutable] = Field(None, examples=["User"])


class Group(Resource[Any]):
    """A tracker group (a team or cohort), as SCIM sees it."""

    __schema__ = URN(GROUP_SCHEMA)

    display_name: Annotated[str | None, Required.true] = None
    members: list[Member] | None = None


# What clients send that the specification does not quite allow, accepted as the big identity providers send
# it: attributes the tracker does not keep (dropped), a `remove` whose value names the members to remove, and a
# filtered path that matches nothing yet (`emails[type eq "work"].value`: the entry is made).
POLICY = ScimPolicy(unknown=ScimPolicy.Unknown.ignore,
                    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
                    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create)

CONFIG = ServiceProviderConfig(
    documentation_uri=None,
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_RESULTS),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=True),
    authentication_schemes=[AuthenticationScheme(
        type=AuthenticationScheme.Type.oauthbearertoken, name="Bearer token", primary=True,
        description="A token made with `tracker scim token`, sent as 'Authorization: Bearer <token>'.")],
    pagination=Pagination(cursor=False, index=True, default_page_size=DEFAULT_COUNT, max_page_size=MAX_RESULTS),
)

PROVIDER = ScimProvider(models=[User, Group], config=CONFIG, policy=POLICY)
