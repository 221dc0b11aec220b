"""People: accounts, signing in, devices, API tokens, time zones, attempt limits and the security log.

Owns the `user`, `user_session`, `api_token` and `security_event` rows.

- `accounts`: `create_user`, `authenticate`, `change_password`, `set_role`, `set_active`, `update_settings`.
- `sessions`: a record per signed-in browser: `start_session`, `resume_session`, `end_session`, `end_all_sessions`.
- `tokens`: `create_token`, `user_for_token`, `revoke_token`.
- `time_zones`: each person's own day: `zone_of`, `today_for`, `local_day`.
- `security_log`: `record`, `record_repeated`, `search`, `sign_in_history`.
- `limits`: attempt limits with waits instead of lockouts: `sign_in_counters`, `sign_up_counters`,
  `password_check_counters`, `wait_after`, `wait_text`, `refusal`, `worth_recording`, and the stores
  (`MemoryStore`, `RedisStore`).
"""
