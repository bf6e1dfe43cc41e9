"""OPTIONS["sandbox"]: the Kida backend builds a SandboxedEnvironment in which Django's own
objects (the request, CSRF, SafeString, url/static/gettext globals) keep working."""

import copy
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings

from djkida.backend import Kida, kida_environment
from kida import Environment, SandboxedEnvironment, SandboxPolicy, SecurityError
from tests.djkida import backend_settings


def kida(**options: object) -> Kida:
    return Kida({"NAME": "k", "DIRS": [], "APP_DIRS": False, "OPTIONS": options})


@pytest.fixture
def sandboxed_site(settings: Settings) -> None:
    """The backend test site with its Kida entry sandboxed."""
    templates: list[dict[str, Any]] = copy.deepcopy(backend_settings.TEMPLATES)
    templates[0]["OPTIONS"]["sandbox"] = True
    settings.TEMPLATES = templates
    settings.ROOT_URLCONF = backend_settings.ROOT_URLCONF


def test_sandbox_option_builds_a_sandboxed_environment() -> None:
    assert type(kida().env) is Environment
    env = kida(sandbox=True).env
    assert isinstance(env, SandboxedEnvironment)
    assert env.sandbox_policy == SandboxPolicy()
    policy = SandboxPolicy(max_range=3)
    assert kida(sandbox=policy).env.sandbox_policy is policy  # type: ignore[attr-defined]
    from_dict = kida(sandbox={"max_output_size": 10, "blocked_attributes": ["secret"]}).env
    assert from_dict.sandbox_policy == SandboxPolicy(  # type: ignore[attr-defined]
        max_output_size=10, blocked_attributes=frozenset({"secret"})
    )


@pytest.mark.parametrize("bad", ["yes", 1, {"nope": 1}, {"max_range": -1}])
def test_a_bad_sandbox_option_is_improperly_configured(bad: object) -> None:
    with pytest.raises(ImproperlyConfigured, match="sandbox"):
        kida(sandbox=bad)


def test_the_site_renders_sandboxed_with_django_objects_intact(
    sandboxed_site: None, client: Client
) -> None:
    assert isinstance(kida_environment(), SandboxedEnvironment)
    html = client.get("/rendered/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in html
    assert '<p id="path">/rendered/</p>' in html
    assert '<p id="site">Example Site /rendered/</p>' in html
    assert '<p id="motto">stream all the things 42</p>' in html
    assert '<p id="filter">HEY! loud</p>' in html
    assert 'href="/template-view/"' in html
    assert 'href="/static/site.css"' in html
    assert '<p id="gettext">Hello apples</p>' in html
    assert '<p id="trans">Welcome</p>' in html
    assert '<p id="trusted"><b>bold</b></p>' in html
    assert '<p id="untrusted">&lt;i&gt;x&lt;/i&gt;</p>' in html


def test_request_data_reads_but_escapes_and_altering_calls_are_refused(
    sandboxed_site: None,
) -> None:
    engine = kida(sandbox=True)
    request = RequestFactory().get("/p/?q=1")
    template = engine.from_string("{{ request.GET.get('q') }} {{ request.method|lower }}")
    assert template.render({}, request) == "1 get"
    for source, code in [
        ("{{ request.__class__ }}", "K-SEC-001"),
        ("{{ request.GET.update({'q': 2}) }}", "K-SEC-001"),
        ("{{ user.delete() }}", "K-SEC-004"),  # Django marks it alters_data
    ]:
        with pytest.raises(SecurityError) as caught:
            engine.from_string(source).render({"user": User(username="u")}, request)
        assert caught.value.code == code
        assert caught.value.template_debug["message"]  # type: ignore[attr-defined]
    assert request.GET["q"] == "1"
