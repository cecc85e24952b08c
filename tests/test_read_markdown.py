"""Markdown renders the useful things; nothing a writer types can run script in a reader's browser."""

import re
from html.parser import HTMLParser

import pytest

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](javascript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "<object data=x></object><embed src=x>",
    "<form action=https://evil.example><input name=q></form>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<meta http-equiv=refresh content="0;url=https://evil.example">',
    "<base href=https://evil.example/>",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    '"><script>alert(1)</script>',
    "`<script>alert(1)</script>`",
    '[x](https://ok.example "title\\" onmouseover=alert(1)")',
    "<scr<script>ipt>alert(1)</script>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    '<a href="&#106;avascript:alert(1)">x</a>',
    "[x](&#106;avascript:alert(1))",
]
SAFE_TAGS = {
    "a",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "input",
    "li",
    "nav",
    "ol",
    "p",
    "pre",
    "s",
    "section",
    "span",
    "strong",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
SAFE_URL = re.compile(r"^(https?://|mailto:|/|#|[\w.-]+(/|$))", re.IGNORECASE)


class _Elements(HTMLParser):
    """Collect the elements and attributes a browser would build from the HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


def _problems(html: str) -> list[str]:
    parser = _Elements()
    parser.feed(html)
    problems = []
    for tag, attrs in parser.found:
        if tag not in SAFE_TAGS:
            problems.append(f"element <{tag}>")
        for name, value in attrs.items():
            if name.startswith("on") or name in {"style", "srcdoc", "formaction"} and tag not in {"td", "th"}:
                problems.append(f"attribute {name} on <{tag}>")
            if name in {"href", "src"} and not SAFE_URL.match((value or "").strip()):
                problems.append(f"URL {value!r} on <{tag}>")
    return problems


def _rendered_parts(page: str) -> str:
    """The post body and comments of a page (the layout's own script tag is not the writer's)."""
    body = page.split('<div class="post-body">')[1].split("</div>")[0]
    comments = "".join(part.split("</div>")[0] for part in page.split('<div class="comment-body">')[1:])
    return body + comments


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_payload_reaches_the_page_in_a_post_or_a_comment(client, make_post, make_comment, payload):
    post = make_post("Attack", body=f"Before\n\n{payload}\n\nAfter")
    make_comment(post, body=payload)
    page = client.get(f"/post/{post.slug}").get_data(as_text=True)
    rendered = _rendered_parts(page)
    assert "Before" in rendered and "After" in rendered
    assert _problems(rendered) == [], rendered


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_payload_reaches_a_title_or_a_tag(client, make_post, payload):
    post = make_post(payload, tags=[payload])
    for url in ("/", f"/post/{post.slug}"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in page and "onerror=alert(1)>" not in page and "<iframe" not in page


def test_useful_markdown_works(client, make_post):
    body = "\n\n".join(
        [
            "## A heading",
            "```python\nprint('<b>hi</b>')\n```",
            "| a | b |\n|---|:-:|\n| 1 | 2 |",
            "[a link](https://example.org/page?x=1&y=2)",
            '![a picture](https://example.org/cat.png "Cat")',
            "~~gone~~ and `code`",
        ]
    )
    post = make_post("Rich", body=body)
    rendered = _rendered_parts(client.get(f"/post/{post.slug}").get_data(as_text=True))
    assert '<h2 id="a-heading">A heading<a class="header-anchor" href="#a-heading"' in rendered
    assert '<code class="language-python"><span class="nb">print</span>' in rendered
    assert "<span class=\"s1\">'&lt;b&gt;hi&lt;/b&gt;'</span>" in rendered
    assert "<table>" in rendered and '<td style="text-align:center">2</td>' in rendered
    assert '<a href="https://example.org/page?x=1&amp;y=2" rel="nofollow noopener ugc">a link</a>' in rendered
    assert '<img src="https://example.org/cat.png" alt="a picture" title="Cat">' in rendered
    assert "<s>gone</s>" in rendered and "<code>code</code>" in rendered
