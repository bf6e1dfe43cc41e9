"""kida.babel: messages and translator comments extracted as Babel's extractors yield them."""

import io
import sys

import pytest

from kida import Environment, TemplateSyntaxError
from kida.babel import DEFAULT_KEYWORDS, extract, extract_messages
from kida.lexer import Delimiters


def messages(source: str, **options: object) -> list[tuple[object, ...]]:
    return list(extract_messages(source, comment_tags=("Translators:",), **options))  # type: ignore[arg-type]


def test_babel_itself_is_not_needed() -> None:
    assert "babel" not in sys.modules


def test_trans_block_with_variables_and_percent() -> None:
    source = "<p>\n{% trans name=user.name %}Hello, {{ name }}: 100%!{% endtrans %}</p>"
    assert messages(source) == [(2, "gettext", "Hello, %(name)s: 100%%!", [])]


def test_trans_plural_with_end_and_plural_variable() -> None:
    source = (
        "{% trans count=items|length %}One item.{% plural %}{{ count }} items.{% end %}\n"
        "{% trans n=total %}One.{% plural n %}{{ n }} of them.{% endtrans %}{{ _('after') }}"
    )
    assert messages(source) == [
        (1, "ngettext", ("One item.", "%(count)s items."), []),
        (2, "ngettext", ("One.", "%(n)s of them."), []),
        (2, "_", "after", []),
    ]


def test_trans_whitespace_is_normalised() -> None:
    source = "{% trans %}\n   Hello,\n\t  world!\n{% endtrans %}"
    assert messages(source) == [(1, "gettext", "Hello, world!", [])]


def test_keyword_calls_yield_their_positional_arguments() -> None:
    source = (
        '{{ _("Home") }} {{ gettext("About") }}\n'
        '{{ ngettext("one", "many", n) }} {{ pgettext("menu", "Open") }}\n'
        '{% set t = npgettext("mail", "a letter", "letters", n) %}{{ _n("x", "xs", 2) }}'
    )
    assert messages(source) == [
        (1, "_", "Home", []),
        (1, "gettext", "About", []),
        (2, "ngettext", ("one", "many", None), []),
        (2, "pgettext", ("menu", "Open"), []),
        (3, "npgettext", ("mail", "a letter", "letters", None), []),
        (3, "_n", ("x", "xs", None), []),
    ]


def test_calls_nested_in_expressions_and_tags() -> None:
    source = (
        "{% if ok %}{{ title | default(_('Untitled')) }}{% end %}\n"
        "{% def card(label=gettext('Card')) %}{{ label }}{% end %}\n"
        "{% trans who=_('nobody') %}by {{ who }}{% endtrans %}"
    )
    assert [(line, name, message) for line, name, message, _ in messages(source)] == [
        (1, "_", "Untitled"),
        (2, "gettext", "Card"),
        (3, "_", "nobody"),
        (3, "gettext", "by %(who)s"),
    ]


def test_what_is_not_a_message() -> None:
    source = (
        "{{ _(name) }} {{ obj._('method') }} {{ obj?.gettext('m') }} {{ _ }} {{ other('x') }}\n"
        "{% raw %}{{ _('raw') }}{% trans %}raw{% endtrans %}{% endraw %}"
    )
    assert messages(source) == []


def test_keyword_arguments_are_left_out() -> None:
    assert messages("{{ _('Hi %(n)s', n=3) }}") == [(1, "_", "Hi %(n)s", [])]


def test_only_the_given_keywords() -> None:
    found = list(extract_messages("{{ _('a') }}{{ t('b') }}", keywords=["t"]))
    assert found == [(1, "t", "b", [])]
    assert set(DEFAULT_KEYWORDS) >= {"_", "gettext", "ngettext", "pgettext", "npgettext"}


def test_translator_comments_before_or_on_the_line() -> None:
    source = (
        "{# Translators: the brand #}\n"
        "<h1>{{ _('Acme') }}</h1>\n"
        "{# Translators: two\n   lines #}{% trans %}Menu{% endtrans %}\n"
        "{# just a note #}{{ _('Untagged') }}\n"
        "{# Translators: too far #}\n"
        "\n"
        "{{ _('Far') }}\n"
        "{{ '{# Translators: in a string #}' }}{{ _('Quoted') }}\n"
        "{% raw %}{# Translators: raw #}{% endraw %}{{ _('Raw') }}\n"
        "{{ _('Last') }}{# Translators: for no message #}"
    )
    assert messages(source) == [
        (2, "_", "Acme", ["Translators: the brand"]),
        (4, "gettext", "Menu", ["Translators: two", "lines"]),
        (5, "_", "Untagged", []),
        (8, "_", "Far", []),
        (9, "_", "Quoted", []),
        (10, "_", "Raw", []),
        (11, "_", "Last", []),
    ]


def test_no_comment_tags_no_comments() -> None:
    assert list(extract_messages("{# Translators: x #}{{ _('a') }}")) == [(1, "_", "a", [])]


def test_custom_delimiters() -> None:
    delimiters = Delimiters("<%", "%>", "<<", ">>", "<#", "#>")
    source = "<# Translators: hi #><< _('Hi') >><% trans %>Yo<% endtrans %>"
    assert messages(source, delimiters=delimiters) == [
        (1, "_", "Hi", ["Translators: hi"]),
        (1, "gettext", "Yo", []),
    ]


def test_extract_is_a_babel_method() -> None:
    file = io.BytesIO("{# NOTE: café #}\n{{ _('Crème') }}".encode("latin-1"))
    found = list(extract(file, ["_"], ["NOTE:"], {"encoding": "latin-1"}))
    assert found == [(2, "_", "Crème", ["NOTE: café"])]


@pytest.mark.parametrize(
    ("source", "message", "line", "col"),
    [
        ("a\n{% trans %}Hi {{ user.name }}{% endtrans %}", "only text and {{ name }}", 2, 15),
        ("{% trans %}Hi {% if x %}{% end %}{% endtrans %}", "only text and {{ name }}", 1, 15),
        ("x\n\n{% trans %}Hi", "never closed", 3, 1),
        ("{{ _('a' }}", "unexpected '}'", 1, 10),
    ],
)
def test_malformed_templates_name_line_and_column(
    source: str, message: str, line: int, col: int
) -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        list(extract_messages(source, name="page.html"))
    assert message in str(caught.value)
    assert (caught.value.name, caught.value.lineno, caught.value.col) == ("page.html", line, col)


def test_extracted_ids_are_the_ids_the_renderer_looks_up() -> None:
    source = (
        "{% trans name=who %}Hi {{ name }}, 5% off{% endtrans %}"
        "{% trans count=n %}One cat{% plural %}{{ count }} cats{% endtrans %}"
        "{{ _('Bye') }}{{ ngettext('a dog', '%(num)s dogs', n) }}"
    )
    looked_up: list[object] = []

    def gettext(message: str) -> str:
        looked_up.append(message)
        return message

    def ngettext(singular: str, plural: str, count: int) -> str:
        looked_up.append((singular, plural))
        return singular if count == 1 else plural

    env = Environment(globals={"gettext": gettext, "_": gettext, "ngettext": ngettext})
    env.from_string(source).render(who="Ann", n=2, num=2)
    extracted = [m[:2] if isinstance(m, tuple) else m for _, _, m, _ in extract_messages(source)]
    assert extracted == looked_up
