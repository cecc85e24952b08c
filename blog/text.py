"""Text that every output format can carry: no characters that XML 1.0 forbids."""

from __future__ import annotations

import re

# XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates, U+FFFE and U+FFFF;
# a feed carrying any other character is not XML at all, and no escape can make it so.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(value):
    """Return ``value`` without the characters XML 1.0 forbids (non-strings pass through)."""
    return _XML_FORBIDDEN.sub("", value) if isinstance(value, str) else value
