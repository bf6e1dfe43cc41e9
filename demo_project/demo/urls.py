"""Routes of the demo pages."""

from django.urls import path

from demo_project.demo.views import chat, dashboard, live, pages

urlpatterns = [
    path("", pages.index, name="index"),
    path("dashboard/stream/", dashboard.stream_dashboard, name="dashboard-stream"),
    path("dashboard/stream/metrics/", dashboard.stream_metrics, name="dashboard-metrics"),
    path("dashboard/suspense/", dashboard.suspense_dashboard, name="dashboard-suspense"),
    path("chat/", chat.chat, name="chat"),
    path("chat/<int:pk>/", chat.chat, name="chat-conversation"),
    path("chat/send/", chat.send, name="chat-send"),
    path("chat/stream/<str:link>/", chat.reply_stream, name="chat-stream"),
    path("live/", live.live, name="live"),
    path("live/announce/", live.post_announcement, name="live-announce"),
]
