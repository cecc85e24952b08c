"""The data model: one module per area, re-exported here for convenience."""

from blog.models.accounts import ApiToken, AuthorRequest, RoleChange
from blog.models.cache import CacheGeneration
from blog.models.content import (
    COMMENT_STATUSES,
    POST_STATUSES,
    AuthorFollow,
    Comment,
    PinError,
    Post,
    SlugRedirect,
    Tag,
    TagFollow,
    post_tags,
)
from blog.models.jobs import Announcement, JobHeartbeat, OutboxMessage, Reminder, SuppressedAddress
from blog.models.pages import Page
from blog.models.revisions import PostRevision
from blog.models.states import CommentStatus, OutboxStatus, PostStatus, RequestStatus
from blog.models.types import UTCDateTime, utcnow
from blog.models.user import DIGEST_CHOICES, ROLE_NAMES, OAuthAccount, Role, User, user_roles

__all__ = [
    "COMMENT_STATUSES",
    "CommentStatus",
    "OutboxStatus",
    "PostStatus",
    "RequestStatus",
    "DIGEST_CHOICES",
    "POST_STATUSES",
    "ROLE_NAMES",
    "Announcement",
    "ApiToken",
    "AuthorFollow",
    "AuthorRequest",
    "CacheGeneration",
    "Comment",
    "JobHeartbeat",
    "OAuthAccount",
    "OutboxMessage",
    "Page",
    "PinError",
    "Post",
    "PostRevision",
    "Reminder",
    "Role",
    "RoleChange",
    "SlugRedirect",
    "SuppressedAddress",
    "Tag",
    "TagFollow",
    "UTCDateTime",
    "User",
    "post_tags",
    "user_roles",
    "utcnow",
]
