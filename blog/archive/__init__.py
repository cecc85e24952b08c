"""The archive: published posts by month, with counts."""
