"""Teams: groups (teams or cohorts), their members and managers. Owns the `team_group` and `group_member` rows.

- `groups`: `create_group`, `get_group`, `find_group`, `rename_group`, `delete_group`, `list_groups`,
  `members`, `member_count`, `add_member`, `remove_member`, `set_manager`, `sync_user_groups`, `user_groups`,
  `slugify`.
- `overview`: what a group's managers see: `group_overview` (members × the group's paths, filtered, sorted,
  paged), `group_summary` (the counts by status and their trend, kept per process), `managed_groups`,
  `manages_any_group`, `require_managed_group`, `compute_cells`, `trend_counts`.

Every change to a membership goes through `add_member` / `remove_member`, which write the audit entry and bump
the group's version; what a join or a leave sets off (assignment rules) hangs on those two functions.
"""

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
    group_overview,
    group_summary,
    managed_groups,
    manages_any_group,
    require_managed_group,
    trend_counts,
)

__all__ = [
    "GroupError",
    "GroupOverview",
    "GroupOverviewQuery",
    "GroupSummary",
    "add_member",
    "compute_cells",
    "create_group",
    "delete_group",
    "find_group",
    "get_group",
    "group_overview",
    "group_summary",
    "list_groups",
    "managed_groups",
    "manages_any_group",
    "member_count",
    "members",
    "remove_member",
    "rename_group",
    "require_managed_group",
    "set_manager",
    "slugify",
    "sync_user_groups",
    "trend_counts",
    "user_groups",
]
