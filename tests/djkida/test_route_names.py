"""url() reverses the names of Channels routes found through DJKIDA_ROUTERS."""

import pytest
from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, path, re_path, set_script_prefix
from pytest_django.fixtures import Settings

from djkida import routing
from djkida.backend import kida_environment
from djkida.consumers import FragmentSSEConsumer
from djkida.route_names import reverse_route
from djkida.template_globals import url
from tests.djkida import backend_settings

#: An ASGI application shaped like a project's: middleware, a nested router under a prefix.
application = ProtocolTypeRouter(
    {
        "http": AuthMiddlewareStack(
            URLRouter(
                [
                    path(
                        "api/",
                        URLRouter(
                            [path("feed/<int:pk>/", FragmentSSEConsumer.as_asgi(), name="feed")]
                        ),
                    ),
                    *routing.http_urlpatterns,
                    re_path(r"", get_asgi_application()),  # type: ignore[arg-type]
                ]
            )
        ),
        "websocket": AllowedHostsOriginValidator(URLRouter(routing.websocket_urlpatterns)),
    }
)


@pytest.fixture(autouse=True)
def routers(settings: Settings) -> None:
    settings.TEMPLATES = backend_settings.TEMPLATES
    settings.ROOT_URLCONF = backend_settings.ROOT_URLCONF
    settings.DJKIDA_ROUTERS = [f"{__name__}.application"]


def test_channels_routes_reverse_through_middleware_and_nested_routers() -> None:
    assert url("djkida-events", group="public.news") == "/djkida/events/public.news/"
    assert url("djkida-ws", "room.1") == "/djkida/ws/room.1/"
    assert url("feed", pk=7) == "/api/feed/7/"


def test_django_names_still_come_from_the_urlconf() -> None:
    assert url("backend-rendered") == "/rendered/"


def test_templates_reverse_route_names() -> None:
    template = kida_environment().from_string("{{ url('djkida-events', group='g') }}")
    assert template.render() == "/djkida/events/g/"


def test_route_lists_can_be_named_too(settings: Settings) -> None:
    settings.DJKIDA_ROUTERS = ["djkida.routing.websocket_urlpatterns"]
    assert reverse_route("djkida-ws", kwargs={"group": "x"}) == "/djkida/ws/x/"
    with pytest.raises(NoReverseMatch):
        reverse_route("djkida-events", kwargs={"group": "x"})


def test_script_prefix_is_honoured() -> None:
    set_script_prefix("/site/")
    try:
        assert url("djkida-events", group="g") == "/site/djkida/events/g/"
    finally:
        set_script_prefix("/")


def test_unknown_names_say_where_they_were_looked_for(settings: Settings) -> None:
    with pytest.raises(NoReverseMatch, match="Nor does it match a route of DJKIDA_ROUTERS"):
        url("no-such-route")
    settings.DJKIDA_ROUTERS = []
    with pytest.raises(NoReverseMatch) as caught:
        url("djkida-events", group="g")
    assert "DJKIDA_ROUTERS" not in str(caught.value)


def test_a_bad_routers_entry_names_itself(settings: Settings) -> None:
    settings.DJKIDA_ROUTERS = ["djkida.routing.no_such_patterns"]
    with pytest.raises(
        ImproperlyConfigured, match=r"DJKIDA_ROUTERS: cannot import 'djkida\.routing\.no"
    ):
        url("djkida-events", group="g")
