"""People: accounts, signing in, devices, API tokens, time zones and the security log.

Owns the `user`, `user_session`, `api_token` and `security_event` rows.

- `accounts`: `create_user`, `authenticate`, `change_password`, `set_role`, `set_active`, `update_settings`.
- `sessions`: a record per signed-in browser: `start_session`, `resume_session`, `end_session`, `end_all_sessions`.
- `devices`: what a signed-in browser is called: `device_name` ("Chrome on Linux").
- `tokens`: `create_token`, `user_for_token`, `revoke_token`.
- `time_zones`: each person's own day: `zone_of`, `today_for`, `local_day`.
- `security_log`: `record`, `search`, `sign_in_history`.
"""
