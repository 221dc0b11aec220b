"""Progress: a learner's state on each article, and every number computed from it.

Owns the `progress`, `progress_event`, `path_follow` and `activity_day` rows.

- `marking`: `mark_article`, the one way to mark an article, with everything a mark sets off; `ensure_open`
  refuses a mark made on a path whose in-order section keeps the article closed (`Locked`, 409).
- `preview`: `percent_changes`, what saving a path's new definition would do to its learners' percentages.
- `marks`: `write_mark` (the race-safe upsert and its event), `states_for`, `tally` (every bar, percentage and
  "time left", each section by its rule), `locked_articles` (what a sequential section keeps closed),
  `path_progress`, `my_paths`.
- `follows`: `follow_path`, `unfollow_path`; `restart`: `plan_restart`, `restart_path`, `reset_articles` (the same,
  in the caller's transaction).
- `activity`: `recent_activity`, `activity_heatmap`; `activity_days`: `count`, `days`, `active_days`,
  `counts_as_activity`, `day_count`, `rebuild` (bulk data only).
- `statements`: the busiest statements, built once per process.
- `catch_up`: what a later version of a finished path added, for the learner who finished it.
- `folds`: the sections a learner keeps folded on a path page.
"""
