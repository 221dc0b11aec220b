"""People: accounts, signing in, devices, API tokens, time zones, attempt limits and the security log.

Owns the `user`, `user_session`, `api_token`, `security_event`, `totp_factor`, `recovery_code`, `passkey` and
`passkey_challenge` rows.

- `accounts`: `create_user`, `create_first_admin`, `has_administrator`, `authenticate`, `confirm_password`,
  `change_password`, `set_role`, `set_active`, `change_active`, `set_temporary_password`, `update_settings`.
- `passwords`: the password policy every new password passes: `password_problem` (length, the shipped breached
  list, zxcvbn with the site's and the person's words, the optional range service), `policy_for_site`,
  `personal_words`, `in_shipped_list`, `in_range_service`.
- `sessions`: a record per signed-in browser: `start_session`, `resume_session`, `end_session`, `end_all_sessions`,
  and `end_all_access` (every device and every API token: what taking an account back does).
- `devices`: what a signed-in browser is called: `device_name` ("Chrome on Linux").
- `tokens`: `create_token`, `user_for_token`, `list_tokens`, `live_tokens`, `live_token_counts`, `revoke_token`,
  `revoke_all_tokens`.
- `first_run`: the setup link of a fresh install: `issue_setup_token`, `setup_token_matches`, `discard_setup_token`.
- `time_zones`: each person's own day: `zone_of`, `today_for`, `local_day`.
- `security_log`: `record`, `record_repeated`, `search`, `sign_in_history`.
- `limits`: attempt limits with waits instead of lockouts: `sign_in_counters`, `sign_up_counters`,
  `password_check_counters`, `wait_after`, `wait_text`, `refusal`, `worth_recording`, and the stores
  (`MemoryStore`, `RedisStore`).
- `second_factor`: the authenticator app and recovery codes: `standing`, `has_second_factor`, `policy_covers`,
  `begin_app`, `enrolment`, `confirm_app`, `cancel_enrolment`, `remove_app`, `renew_recovery_codes`,
  `check_code`, `check_attempts_left`, `recent_failures`, `sealing_key`.
- `passkeys`: WebAuthn: `registration_options`, `add_passkey`, `authentication_options`, `verify_passkey`,
  `remove_passkey`.
"""
