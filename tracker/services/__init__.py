"""The domain: one package per domain, plain functions, keyword-only, session first, no Flask, no settings.

- `catalog`: articles, sources, topics and how they are imported.
- `curriculum`: learning paths, their versions, and the content stamp kept reads follow.
- `progress`: a learner's marks and every number computed from them.
- `mentoring`: mentorships, assignments, the mentor's overview and due-date reminders.
- `learning`: notes and takeaways, recall cards, weekly plans, the streak.
- `people`: accounts, sessions, tokens, time zones, the security log.
- `records`: data export and deletion, xAPI, completion credentials.
- `notifications`: in-app notifications and email.
- `operations`: backups, demo data, the scheduled round.

Shared by all of them: `errors` (the domain's refusals), `access` (one function per access rule) and
`documents` (every uploaded or imported file read within bounds: size, depth, aliases, digits, NUL).
A package imports another's modules, never its own package's `__init__`; the import graph has no circles.
"""
