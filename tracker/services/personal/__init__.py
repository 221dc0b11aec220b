"""A learner's own curriculum: personal paths forked from curated ones, and personal resources.

Owns the personal rows of `learning_path` (those with an owner) and of `article` (a learner's resources).

- `forks`: copying a published path into a private one, editing it, and the curated path's changes since the
  copy, each to take or leave.
- `resources`: a learner's own links (a title, an address, minutes), in a personal path or beside an article,
  private or shown to their mentors: `create_resource`.
"""
