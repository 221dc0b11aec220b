"""The domain: plain functions, keyword-only, session first, no Flask."""
