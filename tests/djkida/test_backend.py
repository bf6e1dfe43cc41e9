"""djkida.backend.Kida through Django's own APIs and test client (sync paths)."""

from pathlib import Path

import django
import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.template import TemplateDoesNotExist, TemplateSyntaxError, engines
from django.template.backends.django import DjangoTemplates
from django.template.loader import get_template, render_to_string
from django.test import Client, RequestFactory
from django.utils import translation
from pytest_django.fixtures import Settings

from djkida.backend import Kida, kida_environment
from kida import DictLoader
from tests.djkida import backend_settings


@pytest.fixture(autouse=True)
def kida_routes(settings: Settings) -> None:
    settings.TEMPLATES = backend_settings.TEMPLATES
    settings.ROOT_URLCONF = backend_settings.ROOT_URLCONF


def kida(**options: object) -> Kida:
    return Kida({"NAME": "k", "DIRS": [], "APP_DIRS": False, "OPTIONS": options})


def test_render_shortcut_gets_request_csrf_processors_and_globals(client: Client) -> None:
    response = client.get("/rendered/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Rendered</title>" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<p id="path">/rendered/</p>' in html
    assert '<p id="site">Example Site /rendered/</p>' in html
    assert '<p id="motto">stream all the things 42</p>' in html
    assert '<p id="filter">HEY! loud</p>' in html
    assert 'href="/template-view/"' in html
    assert 'href="/static/site.css"' in html
    assert '<p id="gettext">Hello apples</p>' in html
    assert '<p id="trans">Welcome</p>' in html


def test_safestring_is_not_escaped_but_plain_strings_are(client: Client) -> None:
    html = client.get("/rendered/").content.decode()
    assert '<p id="trusted"><b>bold</b></p>' in html
    assert '<p id="untrusted">&lt;i&gt;x&lt;/i&gt;</p>' in html


def test_csrf_token_matches_cookie(client: Client) -> None:
    response = client.get("/rendered/")
    token = response.content.decode().split('<p id="token">')[1].split("</p>")[0]
    assert len(token) == 64
    assert "csrftoken" in response.cookies


def test_csrf_variables_without_a_request_are_empty_as_in_django() -> None:
    """Not kida's ``csrf_token()`` helper printed as a function: Django's engines render both
    variables empty when there is no request, and so does djkida."""
    django_engine = DjangoTemplates({"NAME": "d", "DIRS": [], "APP_DIRS": False, "OPTIONS": {}})
    for source in ("[{{ csrf_token }}]", "[{{ csrf_input }}]"):
        assert django_engine.from_string(source).render(None, None) == "[]"
        assert kida().from_string(source).render(None, None) == "[]"
        assert kida_environment().from_string(source).render() == "[]"  # fragments, broadcasts
    with_request = RequestFactory().get("/")
    assert len(kida().from_string("{{ csrf_token }}").render(None, with_request)) == 64
    html = kida().from_string("{{ csrf_input }}").render(None, with_request)
    assert 'name="csrfmiddlewaretoken"' in html


def test_options_globals_may_still_define_csrf_token() -> None:
    assert kida(globals={"csrf_token": "fixed"}).from_string("{{ csrf_token }}").render() == "fixed"


def test_test_client_records_templates_and_context(client: Client) -> None:
    response = client.get("/rendered/")
    assert [t.name for t in response.templates] == ["backend/page.html"]
    assert response.context["title"] == "Rendered"
    assert response.context["site_name"] == "Example Site"


def test_template_response_and_template_view(client: Client) -> None:
    assert "<title>Deferred</title>" in client.get("/template-response/").content.decode()
    response = client.get("/template-view/")
    assert "<title>View</title>" in response.content.decode()
    assert response.context["view"].template_name == "backend/page.html"


def test_render_to_string_with_request_and_from_string() -> None:
    request = RequestFactory().get("/somewhere/")
    html = render_to_string("backend/page.html", {"title": "T"}, request=request, using="kida")
    assert '<p id="path">/somewhere/</p>' in html
    template = engines["kida"].from_string("{{ x }}|{{ y }}")
    assert template.render({"x": "<a>", "y": 1}) == "&lt;a&gt;|1"


def test_origin_points_at_the_file() -> None:
    template = get_template("backend/page.html", using="kida")
    assert template.origin.name == str(backend_settings.TEMPLATE_DIR / "backend/page.html")
    assert template.origin.template_name == "backend/page.html"


def test_gettext_and_trans_use_the_active_language() -> None:
    template = engines["kida"].from_string('{{ _("Yes") }} {% trans %}Yes{% endtrans %}')
    with translation.override("de"):
        assert template.render() == "Ja Ja"


def test_missing_template_falls_through_to_the_next_engine() -> None:
    with pytest.raises(TemplateDoesNotExist):
        get_template("no/such.html", using="kida")
    assert get_template("admin/login.html").backend.name == "django"  # type: ignore[attr-defined]


def test_syntax_error_becomes_django_error_with_template_debug(client: Client) -> None:
    with pytest.raises(TemplateSyntaxError) as caught:
        client.get("/syntax-error/")
    info = caught.value.template_debug  # type: ignore[attr-defined]
    assert info["line"] == 2
    assert info["name"] == str(backend_settings.TEMPLATE_DIR / "broken/syntax_error.html")
    assert (2, "{% if %}") in info["source_lines"]


def test_debug_page_shows_the_template_source(settings: Settings) -> None:
    settings.DEBUG = True
    client = Client(raise_request_exception=False)
    response = client.get("/render-error/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Error during template rendering" in html
    assert "runtime_error.html" in html
    assert "missing_variable" in html
    assert "second line" in html  # the source around the faulty line


def test_kida_environment_finds_first_or_named_backend() -> None:
    env = kida_environment()
    assert env is engines["kida"].env  # type: ignore[attr-defined]
    assert kida_environment("kida") is env
    with pytest.raises(ImproperlyConfigured, match=r"not a djkida\.backend\.Kida"):
        kida_environment("django")


def test_no_kida_backend_is_a_clear_error(settings: Settings) -> None:
    settings.TEMPLATES = backend_settings.TEMPLATES[1:]
    with pytest.raises(ImproperlyConfigured, match=r"djkida\.backend\.Kida"):
        kida_environment()


def test_unknown_option_is_improperly_configured() -> None:
    with pytest.raises(ImproperlyConfigured, match="no_such_option"):
        kida(no_such_option=True)


def test_app_dirs_leave_djangos_own_apps_to_djangos_engine(settings: Settings) -> None:
    # Kida first with APP_DIRS: the admin's Django-language templates must still reach DTL.
    settings.TEMPLATES = [
        {**backend_settings.TEMPLATES[0], "APP_DIRS": True},
        backend_settings.TEMPLATES[1],
    ]
    assert get_template("admin/login.html").backend.name == "django"  # type: ignore[attr-defined]
    kida_dirs = engines["kida"].template_dirs
    assert not any(Path(d).is_relative_to(Path(django.__file__).parent) for d in kida_dirs)


def test_app_dirs_are_each_apps_templates_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "templates").mkdir()
    monkeypatch.setattr(apps.get_app_config("djkida"), "path", str(tmp_path))
    backend = Kida({"NAME": "k", "DIRS": ["/first"], "APP_DIRS": True, "OPTIONS": {}})
    assert backend.template_dirs[0] == "/first"
    assert str(tmp_path / "templates") in backend.template_dirs


def test_options_override_defaults_and_autoescape() -> None:
    backend = kida(autoescape=False, globals={"url": "overridden"})
    assert backend.from_string("{{ x }} {{ url }}").render({"x": "<b>"}) == "<b> overridden"


def test_auto_reload_follows_debug_unless_set() -> None:
    assert kida().env.auto_reload is False  # the test settings have DEBUG = False
    assert kida(auto_reload=True).env.auto_reload is True


def test_custom_loader_instance_or_factory_path() -> None:
    loader = DictLoader({"hi.html": "hi {{ name }}"})
    assert kida(loader=loader).get_template("hi.html").render({"name": "<x>"}) == "hi &lt;x&gt;"
    backend = Kida(
        {
            "NAME": "k",
            "DIRS": [backend_settings.TEMPLATE_DIR / "backend"],
            "APP_DIRS": False,
            "OPTIONS": {"loader": "kida.FileSystemLoader"},  # called with the template dirs
        }
    )
    assert backend.get_template("base.html").render().startswith("<!doctype html>")
