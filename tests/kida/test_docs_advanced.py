"""The advanced pages of kida-templates' documentation (block caching, CSP, compiler, profiling,
coverage, render capture, workers, t-strings), followed as a kida user would: each test takes
the page's examples (named in the comment above it) and checks what the page says they do,
through render(), render_stream() and render_stream_async() where output is involved."""


from markupsafe import Markup

from kida import Environment
from kida.render_context import render_context
from tests.kida.test_docs_examples import _render_three_ways

# --- advanced/csp.md ---------------------------------------------------------------------------


def test_inject_csp_nonce_as_the_page_shows() -> None:
    from kida.utils.csp import inject_csp_nonce

    assert inject_csp_nonce('<script>alert("hi")</script>', "abc123") == (
        '<script nonce="abc123">alert("hi")</script>'
    )
    assert inject_csp_nonce("<script>x</script>", "r4nd0m") == '<script nonce="r4nd0m">x</script>'
    assert inject_csp_nonce('<script nonce="old">x</script>', "new") == (
        '<script nonce="old">x</script>'
    )
    assert inject_csp_nonce("<style>.red{color:red}</style>", "r4nd0m") == (
        '<style nonce="r4nd0m">.red{color:red}</style>'
    )


def test_inject_csp_nonce_details() -> None:
    from kida.utils.csp import inject_csp_nonce

    # Any case, other attributes kept (the nonce goes after them), an existing Nonce respected.
    assert inject_csp_nonce('<SCRIPT type="module">x</SCRIPT>', "n") == (
        '<SCRIPT type="module" nonce="n">x</SCRIPT>'
    )
    assert inject_csp_nonce('<script Nonce="a">', "n") == '<script Nonce="a">'
    assert inject_csp_nonce("<scripts><div>", "n") == "<scripts><div>"
    # The nonce is escaped; empty or None changes nothing; Markup stays Markup, str stays str.
    assert inject_csp_nonce("<style>", 'a"<') == '<style nonce="a&#34;&lt;">'
    assert inject_csp_nonce("<script>", "") == "<script>"
    assert inject_csp_nonce("<script>", None) == "<script>"
    marked = inject_csp_nonce(Markup("<script>"), "n")
    assert isinstance(marked, Markup)
    assert marked == '<script nonce="n">'
    assert type(inject_csp_nonce("<script>", "n")) is str
    assert isinstance(inject_csp_nonce(Markup("<script>"), ""), Markup)


def test_csp_nonce_filter_and_global_in_templates() -> None:
    # "csp_nonce Filter": explicit value, else the render's metadata; always Markup.
    template = Environment().from_string(
        '{{ content | csp_nonce }}|{{ content | csp_nonce("explicit-nonce-value") }}'
        '|<script nonce="{{ csp_nonce() }}">'
    )
    content = "<script>go()</script>"  # HTML made by the application, a plain str
    with render_context() as ctx:
        ctx.set_meta("csp_nonce", "r4nd0m")
        text = _render_three_ways(template, content=content)
    assert text == (
        '<script nonce="r4nd0m">go()</script>|<script nonce="explicit-nonce-value">go()</script>'
        '|<script nonce="r4nd0m">'
    )
    # Without a nonce: the content as it is (still trusted), and an empty global.
    assert _render_three_ways(template, content=content) == (
        '<script>go()</script>|<script nonce="explicit-nonce-value">go()</script>|<script nonce="">'
    )


def test_csp_helpers_by_path() -> None:
    from kida.utils.csp import csp_nonce_filter, csp_nonce_global

    assert csp_nonce_global() == ""
    assert isinstance(csp_nonce_filter("<b>"), Markup)
    assert csp_nonce_filter(12345, "n") == "12345"
    with render_context() as ctx:
        ctx.set_meta("csp_nonce", "from-ctx")
        assert csp_nonce_global() == "from-ctx"
        assert csp_nonce_filter("<style>") == '<style nonce="from-ctx">'
        assert csp_nonce_filter("<style>", nonce="explicit") == '<style nonce="explicit">'
        ctx.set_meta("csp_nonce", None)
        assert csp_nonce_global() == ""
