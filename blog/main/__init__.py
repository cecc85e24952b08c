"""Reading: the home page, posts, tags, authors, search and feeds."""
