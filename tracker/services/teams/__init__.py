"""Teams: groups (teams or cohorts), their members and managers. Owns the `team_group` and `group_member` rows.

- `groups`: `create_group`, `get_group`, `find_group`, `rename_group`, `delete_group`, `list_groups`,
  `members`, `member_count`, `add_member`, `remove_member`, `set_manager`, `sync_user_groups`, `user_groups`,
  `slugify`.
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

__all__ = ["GroupError", "RuleError", "add_member", "assignment_rules", "create_group", "delete_group",
           "find_group", "get_group", "list_groups", "member_count", "members", "remove_member", "rename_group",
           "set_manager", "slugify", "sync_user_groups", "user_groups"]
