"""djkida.stream / stream_block / StreamingTemplateView in process, through Django's AsyncClient."""

import asyncio
import logging

import pytest
from django.template import TemplateDoesNotExist
from django.test import AsyncClient, RequestFactory
from pytest_django.fixtures import Settings

from djkida import stream
from djkida.responses import STREAMING_HEADERS
from djkida.streaming import _PRODUCTION_FALLBACK, _STREAM_HEADERS
from tests.djkida import stream_settings
from tests.djkida.gates import new_gates, open_gate


@pytest.fixture(autouse=True)
def stream_routes(settings: Settings) -> None:
    settings.TEMPLATES = stream_settings.TEMPLATES
    settings.ROOT_URLCONF = stream_settings.ROOT_URLCONF


async def body(response: object) -> str:
    chunks = [chunk async for chunk in response.streaming_content]  # type: ignore[attr-defined]
    return b"".join(chunks).decode()


async def test_streamed_page_has_streaming_headers_and_all_parts() -> None:
    response = await AsyncClient().get("/progressive/")
    assert response.status_code == 200
    assert response.streaming
    for header, value in {**_STREAM_HEADERS, **STREAMING_HEADERS}.items():
        assert response[header] == value
    html = await body(response)
    assert "<h1>Progressive</h1>" in html
    assert html.index("fast done") < html.index("slow done") < html.index("<footer>")


async def test_response_is_returned_before_awaited_sources_resolve() -> None:
    [sources] = new_gates("sources")
    try:
        # The sources wait until the gate opens, after the response is back: 30 s bounds a
        # failure only.
        response = await asyncio.wait_for(
            AsyncClient().get(f"/progressive/?fast=@{sources}&slow=@{sources}"), 30
        )
    except TimeoutError:
        raise AssertionError(
            "the first chunk waited for {{ await }} sources: kida's render_stream_async must "
            "yield the text before an await instead of joining it with the awaited values"
        ) from None
    open_gate(sources)
    assert "<h1>Progressive</h1>" in await body(response)


async def test_what_is_ready_together_leaves_as_one_chunk() -> None:
    response = await AsyncClient().get("/progressive/")  # text, 0.5 s, text, 0.5 s, text
    chunks = [chunk.decode() async for chunk in response.streaming_content]
    assert chunks == [
        '<!doctype html>\n<h1>Progressive</h1>\n<p id="fast">',
        'fast done</p>\n<p id="slow">',
        "slow done</p>\n<footer>end</footer>\n",
    ]


async def test_view_records_template_and_context_for_the_test_client() -> None:
    response = await AsyncClient().get("/progressive/")
    await body(response)
    assert [t.name for t in response.templates] == ["stream/progressive.html"]
    assert response.context["site_name"] == "Example Site"


async def test_error_before_first_chunk_is_an_ordinary_exception() -> None:
    client = AsyncClient(raise_request_exception=False)
    response = await client.get("/early-error/")
    assert response.status_code == 500


async def test_error_before_first_chunk_carries_template_debug_info() -> None:
    with pytest.raises(Exception) as caught:
        await AsyncClient().get("/early-error/")
    info = caught.value.template_debug  # type: ignore[attr-defined]
    assert info["line"] == 1
    assert info["name"].endswith("stream/early_error.html")


async def test_midstream_error_ends_with_fallback_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    response = await AsyncClient().get("/midstream-error/")
    assert response.status_code == 200
    with caplog.at_level(logging.ERROR, logger="djkida"):
        html = await body(response)
    assert "<h1>Before the error</h1>" in html
    assert html.endswith(_PRODUCTION_FALLBACK)
    assert "never sent" not in html
    assert any("stream/midstream_error.html" in r.getMessage() for r in caplog.records)


async def test_block_stream_sends_only_the_block_with_status() -> None:
    response = await AsyncClient().get("/rows/")
    assert response.status_code == 203
    html = await body(response)
    assert html == "<li>0</li><li>1</li><li>2</li>"


async def test_streaming_template_view_can_stream_one_block() -> None:
    response = await AsyncClient().get("/rows-view/")
    assert await body(response) == "<li>0</li><li>1</li><li>2</li>"


async def test_streaming_template_view_has_csrf_processors_and_awaits() -> None:
    response = await AsyncClient().get("/form/")
    html = await body(response)
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Example Site /form/" in html
    assert '<p id="greeting">hello</p>' in html
    assert "csrftoken" in response.cookies


async def test_timeout_bounds_the_render_and_defaults_to_the_setting(settings: Settings) -> None:
    async def never() -> str:
        await asyncio.sleep(2)  # long enough to tell; short enough if the bound is ignored
        return "never"

    request = RequestFactory().get("/")
    response = await stream(request, "stream/ttfb.html", {"source": never()}, timeout=0.05)
    assert (await body(response)).endswith(_PRODUCTION_FALLBACK)
    settings.DJKIDA_STREAM_TIMEOUT = 0.05
    response = await stream(request, "stream/ttfb.html", {"source": never()})
    assert (await body(response)).endswith(_PRODUCTION_FALLBACK)


async def test_missing_template_closes_the_sources_it_was_given() -> None:
    source = asyncio.sleep(1)
    with pytest.raises(TemplateDoesNotExist):
        await stream(RequestFactory().get("/"), "stream/no-such.html", {"source": source})
    assert source.cr_frame is None  # closed, never left to warn "never awaited"
