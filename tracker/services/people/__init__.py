"""People: accounts, signing in, devices, API tokens, time zones and the security log.

Owns the `user`, `user_session`, `api_token`, `security_event`, `totp_factor`, `recovery_code`, `passkey` and
`passkey_challenge` rows.

- `accounts`: `create_user`, `authenticate`, `change_password`, `set_role`, `set_active`, `update_settings`.
- `sessions`: a record per signed-in browser: `start_session`, `resume_session`, `end_session`, `end_all_sessions`.
- `tokens`: `create_token`, `user_for_token`, `revoke_token`.
- `time_zones`: each person's own day: `zone_of`, `today_for`, `local_day`.
- `security_log`: `record`, `search`, `sign_in_history`.
- `second_factor`: the authenticator app and recovery codes: `standing`, `has_second_factor`, `policy_covers`,
  `begin_app`, `enrolment`, `confirm_app`, `cancel_enrolment`, `remove_app`, `renew_recovery_codes`,
  `check_code`, `check_attempts_left`, `recent_failures`, `sealing_key`.
- `passkeys`: WebAuthn: `registration_options`, `add_passkey`, `authentication_options`, `verify_passkey`,
  `remove_passkey`.
"""
