"""Records that leave the tracker: a person's data export and deletion, xAPI statements and their outbox,
and completion credentials (Open Badges 3.0).

Owns the `credential` and `xapi_outbox` rows, and the credential signing keys in the data dir.

- `export` (`export_account`, `export_mentee`, `export_everyone`) in the shape `export_schema` declares.
- `deletion`: `delete_own_account`, `delete_user`, `erase_account`.
- `xapi`: progress as xAPI statements: `statements`, `event_statement`, `credential_statements`,
  `voiding_statement`; `outbox`: `enqueue_new`, `queue_credential`, `push`, `outbox_state`, and what the LRS
  refuses: `refused_statements`, `retry_refused`, `discard_refused`.
- `credentials`: `issue_due`, `revoke` (voids its statement), `regrant`, `set_sharing`, `my_credentials`,
  `keep_status_only`, `enveloped`; `signing_keys`: the `Issuer` and its `KeyStore`, `sealing_key`, `key_ring`,
  `signing_key`, `rotate_key`, `sign`;
  `status_list`: `status_entry`, `signed_status_list`; `badges`: `badge_svg`; `verification`: `verify`.
"""
