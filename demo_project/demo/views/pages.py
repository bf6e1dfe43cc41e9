"""The landing page."""

from django.http import HttpRequest, StreamingHttpResponse

import djkida


async def index(request: HttpRequest) -> StreamingHttpResponse:
    """What each demo shows and where it is."""
    return await djkida.stream(request, "demo/index.html", {"section": "index"})
