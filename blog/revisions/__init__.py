"""Revisions of published posts: the list, a diff of two, and restoring one."""
