"""People: accounts, signing in, devices, API tokens, time zones, attempt limits and the security log.

Owns the `user`, `user_session`, `api_token`, `security_event`, `totp_factor`, `recovery_code`, `passkey`,
`passkey_challenge` and `external_identity` rows.

- `accounts`: `create_user`, `create_first_admin`, `has_administrator`, `authenticate`, `confirm_password`,
  `change_password`, `set_role`, `set_active`, `change_active`, `set_temporary_password`, `update_settings`.
- `administration`: changes to an account's standing and access with their security-log entries, the same from
  the admin pages and the admin API and for the owner's own tokens and devices: `create_account`, `change_role`,
  `change_active`, `give_temporary_password`, `revoke_tokens_of`, `end_access_of`, `revoke_own_token`,
  `end_own_session`, `sign_out_everywhere`.
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
- `identities`: sign-in through an OpenID Connect provider: `read_claims`, `sign_in_through_provider` (the linked
  account, a new one made just in time, or `LinkNeeded`), `link_and_sign_in`, `identities_of`, `require_provider`;
  roles and groups follow the provider's groups (`DirectoryPolicy`).
- `passkeys`: WebAuthn: `registration_options`, `add_passkey`, `authentication_options`, `verify_passkey`,
  `remove_passkey`.
"""
