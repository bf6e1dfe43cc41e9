"""Class-based views that stream their template."""

from typing import Any

from django.http import HttpRequest, StreamingHttpResponse
from django.views.generic.base import ContextMixin, TemplateResponseMixin, View

from djkida.streaming import stream, stream_block


class StreamingTemplateView(TemplateResponseMixin, ContextMixin, View):
    """``TemplateView`` whose page is streamed with :func:`djkida.stream` (an async view).

    Set ``block_name`` to stream one block instead of the page; ``template_engine`` picks the
    Kida backend by name.

    Example::

        class Dashboard(StreamingTemplateView):
            template_name = "dashboard.html"

            def get_context_data(self, **kwargs):
                return super().get_context_data(stats=load_stats(), **kwargs)
    """

    block_name: str | None = None

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> StreamingHttpResponse:
        context = self.get_context_data(**kwargs)
        names = self.get_template_names()
        if self.block_name is None:
            return await stream(request, names, context, using=self.template_engine)
        return await stream_block(
            request, names, self.block_name, context, using=self.template_engine
        )
