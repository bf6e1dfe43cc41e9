"""The parts of the OpenAI-compatible API that ``djtalu.openai_views`` is built from.

``errors`` (OpenAI's error shape and which status each failure gets), ``doors`` (methods,
API key, JSON-only bodies), ``request`` (validating a chat completion body: every field is
honoured or refused).
"""
