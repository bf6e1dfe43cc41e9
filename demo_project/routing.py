"""WebSocket routes of the demo site."""

from django.urls import URLPattern

websocket_urlpatterns: list[URLPattern] = []
