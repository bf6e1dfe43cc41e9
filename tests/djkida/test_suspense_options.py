"""suspense()'s request-side choices: timeouts per key, which wire form, the CSP nonce."""

import pytest
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.test import RequestFactory, override_settings
from django.utils.csp import CSP
from django_htmx.middleware import HtmxDetails

from djkida.suspense import SuspenseError, _csp_nonce, _is_htmx_swap, _key_timeouts

VARIABLES = {"stats": None, "feed": None, "user": "Ada"}


def test_one_timeout_applies_to_every_key_and_a_mapping_to_its_keys() -> None:
    assert _key_timeouts(1.5, VARIABLES) == {"stats": 1.5, "feed": 1.5, "user": 1.5}
    assert _key_timeouts(None, VARIABLES) == {"stats": None, "feed": None, "user": None}
    assert _key_timeouts({"feed": 2}, VARIABLES) == {"feed": 2}


@pytest.mark.parametrize(
    ("timeout", "message"),
    [
        ({"weather": 1.0}, r"not in the context: \['weather'\]"),
        ({"feed": 0}, "timeout for 'feed' must be a positive number, not 0"),
        (-1.0, "timeout for 'stats' must be a positive number, not -1.0"),
        ({"feed": "2"}, "timeout for 'feed' must be a positive number, not '2'"),
    ],
)
def test_bad_timeouts_are_refused(timeout: object, message: str) -> None:
    with pytest.raises(SuspenseError, match=message):
        _key_timeouts(timeout, VARIABLES)  # type: ignore[arg-type]


def htmx_request(**headers: str) -> HttpRequest:
    request = RequestFactory().get("/", headers=headers)
    request.htmx = HtmxDetails(request)  # type: ignore[attr-defined]
    return request


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, False),
        ({"HX-Request": "true"}, True),
        ({"HX-Request": "true", "HX-Boosted": "true"}, False),
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, False),
    ],
)
def test_only_htmx_swaps_get_out_of_band_elements(headers: dict[str, str], expected: bool) -> None:
    assert _is_htmx_swap(htmx_request(**headers)) is expected


def test_without_the_htmx_middleware_a_request_is_a_page_load() -> None:
    assert _is_htmx_swap(RequestFactory().get("/", headers={"HX-Request": "true"})) is False


@override_settings(SECURE_CSP={"script-src": [CSP.SELF, CSP.NONCE]})
def test_the_csp_nonce_is_read_so_that_it_reaches_the_header() -> None:
    request = RequestFactory().get("/")
    middleware = ContentSecurityPolicyMiddleware(lambda r: HttpResponse())
    middleware.process_request(request)
    nonce = _csp_nonce(request)
    response = middleware.process_response(request, HttpResponse())
    assert nonce
    assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
    assert _csp_nonce(RequestFactory().get("/")) is None
