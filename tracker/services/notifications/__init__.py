"""Notifications: in the app, by email one by one or as a daily digest, and in Slack or Microsoft Teams.

Owns the `notification` rows. What gives rise to a notification is decided by the domain it concerns
(mentoring's reminders, learning's plan days); this package stores and delivers them.

- `in_app`: `notify`, `unread_count`, `recent`, `mark_read`.
- `mail`: `outbox_from_config`, `send_due_mail`.
- `chat`: `check_chat_url`, `set_chat_url`, `chat_message`, `send_due_chat`, `posted_in`.
"""
