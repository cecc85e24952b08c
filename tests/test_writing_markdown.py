"""Highlighted code, heading anchors, a table of contents, footnotes and task lists, all sanitised."""

import re

import pytest

from blog import highlight
from blog.markdown import ALLOWED_CLASSES, render_plain, render_post, sanitise_html
from tests.support import PROJECT_ROOT

FENCE = "```{lang}\n{code}\n```"


def _classes(html: str) -> set[tuple[str, str]]:
    return {
        (tag, name)
        for tag, value in re.findall(r'<(\w+)[^>]*\bclass="([^"]*)"', html)
        for name in value.split()
        for tag in [tag]
    }


def test_a_known_language_is_highlighted_with_pygments_classes():
    html = render_post(FENCE.format(lang="python", code="def greet(name):\n    return f'hi {name}'")).html
    assert html.startswith('<pre class="highlight"><code class="language-python">')
    assert '<span class="k">def</span>' in html and '<span class="nf">greet</span>' in html


def test_a_language_alias_gets_the_lexers_own_name():
    html = render_post(FENCE.format(lang="py", code="x = 1")).html
    assert '<code class="language-python">' in html


@pytest.mark.parametrize("lang", ["", "no-such-language", 'python" onclick="x', "<script>"])
def test_an_unknown_or_missing_language_is_plain_escaped_text(lang):
    html = render_post(FENCE.format(lang=lang, code="<b>bold</b> & x")).html
    assert '<pre class="highlight"><code>&lt;b&gt;bold&lt;/b&gt; &amp; x\n</code></pre>' in html
    assert "<span" not in html and "onclick" not in html


def test_code_that_looks_like_html_stays_text_inside_highlighting():
    html = render_post(FENCE.format(lang="html", code="</code></pre><script>alert(1)</script>")).html
    assert "<script>" not in html and "</code></pre><script" not in html
    assert '<span class="nt">script</span><span class="p">&gt;</span>' in html


def test_every_class_in_rendered_html_is_one_the_allow_list_names():
    text = "\n\n".join(
        [
            "# Title",
            "[TOC]",
            "## Part",
            "Text[^n].",
            "- [ ] todo\n- [x] done",
            FENCE.format(lang="javascript", code="const a = /re/g; // comment\nlet b = `t${a}`;"),
            FENCE.format(lang="bash", code="echo $HOME | grep -v x > out"),
            "[^n]: A note.",
        ]
    )
    html = render_post(text).html
    used = _classes(html)
    assert used, html
    for tag, name in used:
        assert name in ALLOWED_CLASSES.get(tag, set()), (tag, name)


@pytest.mark.parametrize(
    "raw, kept",
    [
        ('<span class="k onclick evil">x</span>', '<span class="k">x</span>'),
        ('<span class="nf" style="position:fixed">x</span>', '<span class="nf">x</span>'),
        ('<pre class="highlight wide"><code class="language-python x">y</code></pre>', None),
        ('<code class="language-not-a-lexer">y</code>', '<code class="">y</code>'),
        ('<div class="highlight">z</div>', "z"),
        ('<p class="k">p</p>', "<p>p</p>"),
    ],
)
def test_the_sanitiser_keeps_only_the_classes_pygments_and_the_renderer_emit(raw, kept):
    cleaned = sanitise_html(raw)
    if kept is None:
        kept = '<pre class="highlight"><code class="language-python">y</code></pre>'
    assert cleaned == kept


def test_the_only_input_a_post_can_hold_is_a_disabled_checkbox():
    cleaned = sanitise_html('<input type="text" name="q" value="x" onfocus="alert(1)" class="evil">')
    assert sorted(cleaned[len("<input ") : -1].split()) == ['class=""', 'disabled="disabled"', 'type="checkbox"']


def test_the_allowed_span_classes_are_exactly_pygments_token_classes():
    from pygments.token import STANDARD_TYPES

    assert ALLOWED_CLASSES["span"] == {name for name in STANDARD_TYPES.values() if name}


def test_the_shipped_stylesheet_is_the_generated_one_with_a_light_and_a_dark_half():
    with open(f"{PROJECT_ROOT}/static/css/highlight.css") as shipped:
        css = shipped.read()
    assert css == highlight.stylesheet(), "run: .venv/bin/python -m blog.highlight > static/css/highlight.css"
    light, dark = css.split("@media (prefers-color-scheme: dark)")
    assert "@media not all and (prefers-color-scheme: dark)" in light
    assert "pre.highlight .k {" in light and "pre.highlight .k {" in dark
    assert re.search(r"pre\.highlight \{ background: #f", light)
    assert re.search(r"pre\.highlight \{ background: #0", dark)


def test_headings_get_stable_ids_and_anchor_links():
    html = render_post("## Getting started\n\n## Getting started\n\n### Über *alles*").html
    assert '<h2 id="getting-started">Getting started<a class="header-anchor" href="#getting-started"' in html
    assert '<h2 id="getting-started-1">' in html
    assert '<h3 id="über-alles">' in html
    assert render_post("## Getting started").html.split(">")[0] == '<h2 id="getting-started"'


def test_a_heading_cannot_take_an_id_the_page_uses_itself():
    html = render_post("## Comments\n\n## Comment-3").html
    assert 'id="comments"' not in html and 'id="comment-3"' not in html
    assert 'id="section-comments"' in html


def test_toc_marker_becomes_a_nested_table_of_contents():
    html = render_post("[TOC]\n\n# One\n\n## Two <b>\n\n### Three\n\n# Four").html
    toc = html.split("</nav>")[0]
    assert toc.startswith('<nav class="toc" aria-label="Contents"><ul><li><a href="#one"')
    assert '<ul><li><a href="#two-b" rel="nofollow noopener ugc">Two &lt;b&gt;</a><ul><li><a href="#three"' in toc
    assert toc.endswith('<li><a href="#four" rel="nofollow noopener ugc">Four</a></li></ul>')
    assert "[TOC]" not in html


def test_toc_only_as_a_paragraph_of_its_own():
    html = render_post("Write [TOC] here.\n\n## Head").html
    assert "<nav" not in html and "[TOC]" in html


def test_footnotes_and_task_lists_render():
    html = render_post("Claim[^src].\n\n- [x] done\n- [ ] todo\n\n[^src]: The source.").html
    assert '<sup class="footnote-ref"><a href="#fn1" id="fnref1"' in html
    assert '<li id="fn1" class="footnote-item"><p>The source. <a href="#fnref1" class="footnote-backref"' in html
    assert '<ul class="contains-task-list">' in html
    boxes = re.findall(r"<input ([^>]*)> (\w+)", html)
    assert [(sorted(attrs.split()), label) for attrs, label in boxes] == [
        (['checked="checked"', 'class="task-list-item-checkbox"', 'disabled="disabled"', 'type="checkbox"'], "done"),
        (['class="task-list-item-checkbox"', 'disabled="disabled"', 'type="checkbox"'], "todo"),
    ]


def test_comments_get_highlighting_but_no_ids_that_could_clash_with_the_post():
    html = render_plain("## Heading\n\nx[^1]\n\n[^1]: n\n\n" + FENCE.format(lang="python", code="pass"))
    assert "id=" not in html
    assert '<span class="k">pass</span>' in html


def test_the_post_page_links_the_highlighting_stylesheet_and_shows_highlighted_code(client, make_post):
    post = make_post("Code", body=FENCE.format(lang="python", code="import os"))
    page = client.get(f"/post/{post.slug}").get_data(as_text=True)
    assert re.search(r'<link rel="stylesheet" href="/static/css/highlight\.css[^"]*">', page)
    assert '<span class="kn">import</span>' in page
    assert client.get("/static/css/highlight.css").status_code == 200


def test_the_anchor_link_has_a_label_but_no_text_so_the_heading_reads_as_itself():
    html = render_post("## Setup").html
    assert re.fullmatch(
        r'<h2 id="setup">Setup<a class="header-anchor" href="#setup" aria-label="Link to this section"'
        r' rel="nofollow noopener ugc"></a></h2>\s*',
        html,
    ), html


def test_no_other_aria_label_survives_the_sanitiser():
    assert sanitise_html('<a href="#x" aria-label="Pay here">y</a>') == '<a href="#x" rel="nofollow noopener ugc">y</a>'
