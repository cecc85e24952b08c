"""Writing: the editor, scheduled publishing and the tasks behind it."""
