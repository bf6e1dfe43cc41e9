"""Translations of kida templates: djkida's makemessages, compilemessages, then every renderer.

The makemessages test runs Django's real pipeline (GNU xgettext, msgmerge, msgfmt) over a
project made in a temporary directory.
"""

import re
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands
from django.test import RequestFactory
from django.utils import translation
from pytest_django.fixtures import Settings

import djkida
from djkida.backend import kida_backend
from djkida.translation import gettext_call, is_kida_template, templatize
from tests.services import gettext_tools_or_skip

PAGE = """\
<html>
{# Translators: the page's main heading #}
<h1>{{ _("Welcome") }}</h1>
<p>{% trans name=user %}Hello, {{ name }}!{% endtrans %}</p>
<p>{% trans count=n %}One new message{% plural %}{{ count }} new messages{% endtrans %}</p>
<nav>{{ pgettext("navigation", "Home") }} {{ gettext("Sign out") }}</nav>
<p>{{ ngettext("one file", "many files", n) }} {{ npgettext("mail", "a letter", "letters", n) }}</p>
</html>
"""
FRENCH = {
    "Welcome": "Bienvenue",
    "Hello, %(name)s!": "Bonjour, %(name)s !",
    "One new message": ["Un nouveau message", "%(count)s nouveaux messages"],
    "Home": "Accueil",
    "Sign out": "Déconnexion",
    "one file": ["un fichier", "des fichiers"],
    "a letter": ["une lettre", "des lettres"],
}
EXPECTED_FRENCH = """\
<html>

<h1>Bienvenue</h1>
<p>Bonjour, &lt;Ann&gt; !</p>
<p>3 nouveaux messages</p>
<nav>Accueil Déconnexion</nav>
<p>des fichiers des lettres</p>
</html>"""


def test_templatize_puts_each_message_on_its_template_line() -> None:
    lines = templatize(PAGE).split("\n")
    assert len(lines) == PAGE.count("\n") + 1
    assert lines[1] == "# Translators: the page's main heading"
    assert lines[2] == "gettext('Welcome')"
    assert lines[3] == "gettext('Hello, %(name)s!')"
    assert lines[4] == "ngettext('One new message', '%(count)s new messages', n)"
    assert lines[5] == "pgettext('navigation', 'Home'); gettext('Sign out')"
    assert (
        lines[6]
        == "ngettext('one file', 'many files', n); npgettext('mail', 'a letter', 'letters', n)"
    )


def test_a_comment_goes_after_the_code_of_the_line_before() -> None:
    source = "{{ _('a') }}{# Translators: for b #}\n{{ _('b') }}"
    assert templatize(source) == "gettext('a')  # Translators: for b\ngettext('b')"


def test_gettext_call_needs_string_arguments() -> None:
    assert gettext_call("gettext", "it's") == """gettext("it's")"""
    assert gettext_call("ngettext", ("a", None, None)) is None
    assert gettext_call("pgettext", (None, "x")) is None


def test_is_kida_template(tmp_path: Path) -> None:
    (tmp_path / "kida").mkdir()
    assert is_kida_template(str(tmp_path / "kida" / "a" / "page.html"), [str(tmp_path / "kida")])
    assert not is_kida_template(str(tmp_path / "kidaish" / "page.html"), [str(tmp_path / "kida")])


def translate_po(po: str, translations: dict[str, str | list[str]]) -> str:
    """``po`` with msgstrs filled in, French plural forms and the header no longer fuzzy."""
    po = po.replace("#, fuzzy\n", "", 1)
    po = re.sub(r"Plural-Forms: [^\\]*", "Plural-Forms: nplurals=2; plural=(n > 1);", po)
    for msgid, translation_ in translations.items():
        if isinstance(translation_, list):
            plural = r'msgid_plural "[^"]*"\n'
            pattern = rf'(msgid "{re.escape(msgid)}"\n{plural})msgstr\[0\] ""\nmsgstr\[1\] ""'
            replacement = rf'\1msgstr[0] "{translation_[0]}"\nmsgstr[1] "{translation_[1]}"'
        else:
            pattern = rf'(msgid "{re.escape(msgid)}"\n)msgstr ""'
            replacement = rf'\1msgstr "{translation_}"'
        po, count = re.subn(pattern, replacement, po)
        assert count == 1, msgid
    return po


@pytest.fixture
def project(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory with a kida template, a Django template and a locale directory."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(PAGE)
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.html").write_text(
        "{% load i18n %}\n{% translate 'Django says hi' %}\n"
    )
    (tmp_path / "locale").mkdir()
    settings.TEMPLATES = [
        {
            "BACKEND": "djkida.backend.Kida",
            "NAME": "kida",
            "DIRS": [tmp_path / "templates"],
            "APP_DIRS": False,
        }
    ]
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_makemessages_is_djkidas() -> None:
    assert get_commands()["makemessages"] == "djkida"


async def test_makemessages_compilemessages_then_every_renderer(
    project: Path, settings: Settings
) -> None:
    gettext_tools_or_skip()
    settings.LOCALE_PATHS = [project / "locale"]
    call_command("makemessages", locale=["fr"], verbosity=0)
    po_path = project / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    po = po_path.read_text()
    assert (
        "#. Translators: the page's main heading\n#: templates/page.html:3\n"
        'msgid "Welcome"\n' in po
    )
    assert '#: templates/page.html:4\n#, python-format\nmsgid "Hello, %(name)s!"\n' in po
    assert 'msgid "One new message"\nmsgid_plural "%(count)s new messages"\n' in po
    assert '#: templates/page.html:6\nmsgctxt "navigation"\nmsgid "Home"\n' in po
    assert 'msgctxt "mail"\nmsgid "a letter"\nmsgid_plural "letters"\n' in po
    assert '#: legacy/old.html:2\nmsgid "Django says hi"\n' in po  # Django's own templatize
    assert "page.html.py" not in po

    po_path.write_text(translate_po(po, FRENCH))
    call_command("compilemessages", locale=["fr"], verbosity=0)
    assert (po_path.parent / "django.mo").exists()
    settings.LOCALE_PATHS = [project / "locale"]  # drops the cached (empty) catalogs

    backend = kida_backend()
    template = backend.get_template("page.html").template
    context = {"user": "<Ann>", "n": 3}
    with translation.override("fr"):
        assert template.render(**context).strip() == EXPECTED_FRENCH
        assert "".join(template.render_stream(**context)).strip() == EXPECTED_FRENCH
        assert (await template.render_async(**context)).strip() == EXPECTED_FRENCH
        response = await djkida.stream(RequestFactory().get("/"), "page.html", context)
        body = b"".join([chunk async for chunk in response.streaming_content])  # type: ignore[attr-defined]
    assert body.decode().strip() == EXPECTED_FRENCH
    assert "Welcome" in template.render(**context)
