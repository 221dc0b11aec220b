"""Keeping what you read: notes and takeaways, recall cards reviewed with FSRS, weekly plans and the streak.

Owns the `note`, `note_reply`, `recall_card`, `card_review`, `suggested_card`, `study_plan`,
`study_plan_version` and `streak_week` rows.

- `notes`: `save_note`, `save_takeaway`, `notes_for`, `shared_notes`, `shown_to_mentors`, `reply`.
- `recall`: `create_card`, `write_cards`, `edit_card`, `delete_card`, `due_cards` (the queue within the daily
  limits, paged), `allowance`, `due_counts`, `next_intervals`, `interval_label`, `review` (with its time),
  `undoable_review`, `undo_review`, `suspend_card`, `bury_card`, `learning_stats`.
- `review_stats`: the statistics page and a mentor's summary: `review_statistics`, `review_summary`,
  `true_retention`.
- `cloze`: cloze cards (`{{c1::answer}}`), one per deletion number: `check_text`, `numbers`, `front`, `back`,
  `create_cards`.
- `cards_io`: a learner's cards out to Anki and in from it: `export_text`, `export_apkg`, `read_anki_text`,
  `import_cards`.
- `suggestions`: cards offered by the curriculum or a mentor: `suggest`, `suggestions_for`, `adopt`.
- `plans`: `set_plan`, `clear_plan`, `first_week_judged`, `plan_versions`, `versions_in_force`, `forecasts`,
  `remind_plan_days`.
- `mastery`: the recall a path asks as well as reading, and whether a learner holds it: `retrievability`
  (FSRS's own), `recalled_articles`, `recall_of` (the share met, counted as `tally()` counts), `for_path`,
  `recall_for_paths`, `cards_of_learners` (recall health for mentors, one query).
- `reviewing`: `review_card`, a review and the "read and recalled" credential it may complete.
- `streaks`: the weekly streak: `streak_for` (judges and records the weeks ended), `judged_streak`,
  `weekly_streak`; one function per number: `days_active_in`, `needed_in`, `kept`.
"""
