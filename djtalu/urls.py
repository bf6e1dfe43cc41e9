"""HTTP routes of djtalu: the OpenAI-compatible API. Include at the site root::

path("", include("djtalu.urls"))
"""

from django.urls import path, re_path

from djtalu import openai_views

app_name = "djtalu"

urlpatterns = [
    path("v1/chat/completions", openai_views.chat_completions, name="chat-completions"),
    path("v1/models", openai_views.models, name="models"),
    path("v1/models/<str:model_id>", openai_views.model, name="model"),
    re_path(r"^v1/(?P<path>.*)$", openai_views.not_found),
]
