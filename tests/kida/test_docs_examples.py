"""Examples of kida-templates' own documentation, rendered through our engine.

Each test takes an example from kida's docs (the page is named) and checks the output the page
documents, through render(), render_stream() and render_stream_async() alike.
"""

import asyncio
from typing import Any

from kida import Environment, Template


def _render_three_ways(template: Template, **ctx: Any) -> str:
    """The text of render(); render_stream() and render_stream_async() must give the same."""

    async def stream_async() -> str:
        return "".join([chunk async for chunk in template.render_stream_async(**ctx)])

    text = template.render(**ctx)
    assert "".join(template.render_stream(**ctx)) == text
    assert asyncio.run(stream_async()) == text
    return text


def _squash(text: str) -> str:
    return " ".join(text.split())


# usage/i18n.md, "Multiple variables": the binding named ``count`` picks the form.
_POSTS = """{% trans name=user.name, count=user.posts | length %}
  {{ name }} has one post.
{% plural %}
  {{ name }} has {{ count }} posts.
{% endtrans %}"""


def test_trans_counts_with_the_binding_named_count_not_the_first() -> None:
    template = Environment().from_string(_POSTS)
    one = _render_three_ways(template, user={"name": "Alice", "posts": [1]})
    many = _render_three_ways(template, user={"name": "Alice", "posts": [1, 2]})
    assert (_squash(one), _squash(many)) == ("Alice has one post.", "Alice has 2 posts.")


def test_trans_without_a_count_binding_still_counts_with_the_first() -> None:
    template = Environment().from_string(
        "{% trans n=k, who=w %}{{ who }}: one{% plural %}{{ who }}: {{ n }}{% endtrans %}"
    )
    assert _render_three_ways(template, k=1, w="A") == "A: one"
    assert _render_three_ways(template, k=3, w="A") == "A: 3"
