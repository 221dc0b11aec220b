"""Provisioning: identity providers (Entra ID, Okta, ...) create, change and remove accounts and groups over
SCIM 2.0. Owns the `scim_token` rows and the provisioning columns of `user` (external_id, provisioned,
email_type, version, updated_at, deprovisioned_at); groups and memberships change through `tracker.services.teams`.

- `schema`: the User and Group resources as SCIM publishes them (scim2-models), `PROVIDER`, `CONFIG`, `POLICY`.
- `users`: `to_resource(s)`, `get_user`, `search_users`, `create_user`, `replace_user`, `patch_user`,
  `delete_user` (TRACKER_SCIM_DELETE: "deactivate" keeps the account and its data, "delete" erases them).
- `groups`: `to_resource`, `get_group`, `search_groups`, `create_group`, `replace_group`, `patch_group`,
  `delete_group`.
- `filters`: SCIM filters (`eq` joined by `and`) as SQL conditions.
- `tokens`: the clients' bearer tokens: `create_token`, `check_token`, `list_tokens`, `revoke_token`.

Errors are scim2-models' SCIMExceptions (each with its status and scimType), for the SCIM blueprint to answer
as SCIM error bodies.
"""
