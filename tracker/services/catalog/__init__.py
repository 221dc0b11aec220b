"""The catalog: articles, their sources and topics, and how they get in.

Owns the `article`, `source` and `topic` rows and the catalog file (`paths/catalog.yaml`).

- `articles`: reading the catalog as lists show it: `kept_catalog`, `search_articles`, `list_topics`,
  `list_sources`, `require_card` (an article's kept card), `require_article`, `reading_time`.
- `store`: changing it: `load_catalog`, `plan_listing_import`, `import_listing`, `document_from_database`.
- `editing`: an admin's edits: `save_article`, `parse_links`, `set_links`.
- `datafile`: the catalog file's format: `read_catalog_file`, `write_catalog_file`, `merge_listings`.
- `listings`, `layouts`, `hub`: captured listing pages turned into records: `layouts.parse_listing`.
"""
