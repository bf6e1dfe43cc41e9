"""Exact wire shapes: htmx out-of-band elements and full-page template + script swaps."""

import pytest

from djkida.suspense.discovery import SuspenseError
from djkida.suspense.wire import error_element, oob_element, page_swap

SECTION = '\n  <section class="card" id="stats"><b>42</b></section>\n'


def test_oob_element_marks_the_root_element_itself() -> None:
    assert oob_element(SECTION, "stats", "stats") == (
        '<section hx-swap-oob="true" class="card" id="stats"><b>42</b></section>'
    )


def test_page_swap_is_a_template_and_a_script_replacing_the_target() -> None:
    assert page_swap(SECTION, "stats", "stats") == (
        '<template id="djkida-suspense-stats">'
        '<section class="card" id="stats"><b>42</b></section></template>'
        "<script>(function(){"
        'var t=document.getElementById("djkida-suspense-stats"),'
        'e=document.getElementById("stats");'
        "if(e){e.replaceWith(t.content)}"
        'else{console.error("djkida suspense: no element with id \\"stats\\" to replace")}'
        "t.remove();document.currentScript.remove()})()</script>"
    )


def test_page_swap_carries_the_csp_nonce_escaped() -> None:
    chunk = page_swap(SECTION, "stats", "stats", nonce='n"1')
    assert '<script nonce="n&#34;1">' in chunk


@pytest.mark.parametrize("quoting", ['id="stats"', "id='stats'", "id=stats", 'ID = "stats"'])
def test_root_id_in_any_attribute_quoting(quoting: str) -> None:
    html = f"<div {quoting}>x</div>"
    assert oob_element(html, "stats", "stats") == f'<div hx-swap-oob="true" {quoting}>x</div>'


@pytest.mark.parametrize(
    ("html", "got"),
    [
        ("<section>42</section>", "'<section>42</section>'"),
        ('<div id="other">x</div>', "root id 'other'"),
        ('text <div id="stats">x</div>', "'text <div id=\"stats\">x</div>'"),
        ('<div data-id="stats">x</div>', "'<div data-id=\"stats\">x</div>'"),
    ],
)
def test_a_block_not_rooted_in_its_target_is_refused(html: str, got: str) -> None:
    for wire in (oob_element, page_swap):
        with pytest.raises(SuspenseError, match="must render the element it replaces") as info:
            wire(html, "stats", "stats")
        assert str(info.value).endswith(f"got {got}")


def test_error_element_escapes_the_message() -> None:
    assert error_element("feed", "ValueError: <b>&</b>") == (
        '<div id="feed" class="djkida-suspense-error" role="alert">'
        "ValueError: &lt;b&gt;&amp;&lt;/b&gt;</div>"
    )
