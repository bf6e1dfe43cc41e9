"""Routes of the streaming tests."""

from django.urls import URLPattern, path

from tests.djkida import gates, stream_views

urlpatterns: list[URLPattern] = [
    path("progressive/", stream_views.progressive),
    path("release/", gates.release_view),
    path("endless/", stream_views.endless),
    path("midstream-error/", stream_views.midstream_error),
    path("early-error/", stream_views.early_error),
    path("rows/", stream_views.rows_block),
    path("form/", stream_views.FormPage.as_view()),
    path("rows-view/", stream_views.RowsBlock.as_view()),
    path("ttfb/stream/", stream_views.ttfb_stream),
    path("ttfb/raw/", stream_views.ttfb_raw),
    path("ttfb/buffered/", stream_views.ttfb_buffered),
]
