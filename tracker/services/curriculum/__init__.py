"""The curriculum: learning paths, their versions, and the content stamp every kept read follows.

Owns the `learning_path`, `path_section`, `path_item` and `path_version` rows and the path files (`paths/*.yaml`).

- `queries`: reading paths: `list_paths`, `get_path`, `path_details`, `path_entries`, `paths_with_article`,
  `require_learning_path`, `visible_path`.
- `store`: every write of a path: `load_paths` (its report names each path file that differs: `FileDifference`),
  `save_path` (optimistic locking), `history`,
  `restore_version` (content only), `change_status`, `path_audience`, `status_consequence`, `export_yaml`.
- `format`: the path definition format: `parse_path_definition`, `validate_path`, `dump_path_definition`.
- `drafts` (the editor's unsaved draft: `apply_action`, and where the focus goes after it: `focus_after`)
  and `changes` (`describe_changes` between versions).
- `prerequisites`: paths to finish first, recommended or required, and where a learner stands on each.
- `loading`: `load_curriculum`, the catalog and paths in one transaction.
- `kept`: the curriculum as lists show it, read once per state: `current_stamp`, `whole`, `per_path`.
"""
