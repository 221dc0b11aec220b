"""Operating an installation: backups, demo data, and the scheduled round.

- `backup`: `signing_key`, `write_backup` (signed), `BackupFile` (`check`: every row, the counts, the
  signature), `restore`.
- `scheduled`: `scheduled_round`, what runs every few minutes outside requests.
- `demo` (`create_demo`, the demo accounts) and `demo_data` (`generate`, a synthetic installation for measuring).
"""
