"""Teams: groups (teams or cohorts), their members and managers. Owns the `team_group` and `group_member` rows.

- `groups`: `create_group`, `get_group`, `find_group`, `rename_group`, `delete_group`, `list_groups`,
  `members`, `member_count`, `add_member`, `remove_member`, `set_manager`, `sync_user_groups`, `user_groups`,
  `slugify`.
- `roster`: choosing members by hand: `plan_additions` / `add_usernames` (pasted or uploaded usernames, all or
  nothing, unknown ones named by line), `join`, `leave`, `member_page`, `member_counts`, `groups_of_users`,
  `managed_groups`, `group_for` (the group if the viewer may see it), `one_change` (a change committed as a
  block, a clash with a concurrent one a Conflict).
  Groups provisioned over SCIM keep the members the identity provider gives them (`require_hand_managed`).
- `overview`: what a group's managers see: `group_overview` (members × the group's paths, filtered, sorted,
  paged), `group_summary` (the counts by status and their trend, kept per process), `group_listings`,
  `manages_any_group`, `compute_cells`, `trend_counts`.
- `assignment_rules`: a path assigned to every member of a group — `create_rule`, `edit_rule`, `delete_rule`,
  `get_rule`, `list_rules`, `preview`, `run`, `queue_run`, `run_queued`, `reconcile`, `list_runs`, and
  `member_joined` / `member_left`, which `add_member` / `remove_member` call. Owns `assignment_rule` and
  `rule_run`, and `assignment.rule_id`.

Every change to a membership goes through `add_member` / `remove_member`, which write the audit entry and bump
the group's version; what a join or a leave sets off (assignment rules) hangs on those two functions.
"""

from tracker.services.teams import assignment_rules
from tracker.services.teams.assignment_rules import RuleError
from tracker.services.teams.groups import (
    GroupError,
    add_member,
    create_group,
    delete_group,
    find_group,
    get_group,
    list_groups,
    member_count,
    members,
    remove_member,
    rename_group,
    set_manager,
    slugify,
    sync_user_groups,
    user_groups,
)
from tracker.services.teams.overview import (
    GroupOverview,
    GroupOverviewQuery,
    GroupSummary,
    compute_cells,
    group_listings,
    group_overview,
    group_summary,
    manages_any_group,
    trend_counts,
)
from tracker.services.teams.roster import (
    Additions,
    MemberPage,
    MembershipManagedElsewhere,
    UnknownUsernames,
    add_usernames,
    group_for,
    groups_of_users,
    hand_managed,
    join,
    leave,
    managed_groups,
    member_counts,
    member_page,
    members_named,
    membership_of,
    membership_user,
    one_change,
    plan_additions,
    read_usernames,
    require_hand_managed,
)

__all__ = [
    "Additions",
    "GroupError",
    "GroupOverview",
    "GroupOverviewQuery",
    "GroupSummary",
    "MemberPage",
    "MembershipManagedElsewhere",
    "RuleError",
    "UnknownUsernames",
    "add_member",
    "add_usernames",
    "assignment_rules",
    "compute_cells",
    "create_group",
    "delete_group",
    "find_group",
    "get_group",
    "group_for",
    "group_listings",
    "group_overview",
    "group_summary",
    "groups_of_users",
    "hand_managed",
    "join",
    "leave",
    "list_groups",
    "managed_groups",
    "manages_any_group",
    "member_count",
    "member_counts",
    "member_page",
    "members",
    "members_named",
    "membership_of",
    "membership_user",
    "one_change",
    "plan_additions",
    "read_usernames",
    "remove_member",
    "rename_group",
    "require_hand_managed",
    "set_manager",
    "slugify",
    "sync_user_groups",
    "trend_counts",
    "user_groups",
]
