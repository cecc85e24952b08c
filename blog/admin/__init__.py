"""Administration: users, roles, moderation and the mail outbox."""
