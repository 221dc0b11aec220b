"""Keeping what you read: notes and takeaways, recall cards reviewed with FSRS, weekly plans and the streak.

Owns the `note`, `note_reply`, `recall_card`, `card_review`, `suggested_card` and `study_plan` rows.

- `notes`: `save_note`, `save_takeaway`, `notes_for`, `shared_notes`, `reply`.
- `recall`: `create_card`, `edit_card`, `delete_card`, `due_cards` (the queue within the daily limits, paged),
  `allowance`, `due_counts`, `next_intervals`, `interval_label`, `review` (with its time), `undoable_review`,
  `undo_review`, `suspend_card`, `bury_card`, `learning_stats`.
- `review_stats`: the statistics page and a mentor's summary: `review_statistics`, `review_summary`,
  `true_retention`.
- `suggestions`: cards offered by the curriculum or a mentor: `suggest`, `suggestions_for`, `adopt`.
- `plans`: `set_plan`, `clear_plan`, `forecasts`, `remind_plan_days`.
- `streaks`: the weekly streak: `streak_for`.
"""
