"""A context processor, filter, test and extension, named by dotted path in the test TEMPLATES."""

from typing import Any

from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    """Context processor: proves processors run and see the request."""
    return {"site_name": "Example Site", "processor_path": request.path}


def shout(value: str) -> str:
    """Filter given by dotted path."""
    return value.upper() + "!"


def is_loud(value: str) -> bool:
    """Test given by dotted path."""
    return value.isupper()


def add_answer(env: Any) -> None:
    """Extension: receives the Environment and may change it."""
    env.globals["answer"] = 42
