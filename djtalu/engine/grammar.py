"""Structured output through talu's grammar-constrained decoding.

Measured with talu 0.0.3 (README, djtalu section): its grammar only enforces ``required`` keys
when an object also forbids additional properties, and it may allow a comma after an object's
last permitted key, a dead end where the model can only emit end-of-text tokens, as text, until
``max_tokens`` (which the grammar otherwise ignores). So the grammar gets a stricter copy of the
schema (every object closed), the generation stops at such a dead end, and the caller validates
the reply against the original schema: a stricter grammar can only produce replies the original
accepts, never the other way round.
"""

import copy
import json
from typing import Any

from djtalu.engine.compat import load_talu

#: What ``{"type": "json_object"}`` asks for: any JSON object.
ANY_OBJECT: dict[str, Any] = {"type": "object"}


def closed_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``schema`` where every object that lists its properties allows no others."""
    closed = copy.deepcopy(schema)
    _close(closed)
    return closed


def _close(node: Any) -> None:
    if isinstance(node, list):
        for item in node:
            _close(item)
    elif isinstance(node, dict):
        if isinstance(node.get("properties"), dict) and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close(value)


def schema_prompt(schema: dict[str, Any]) -> str:
    """The instruction talu itself adds for a schema (a TypeScript-like interface)."""
    load_talu()  # before any talu submodule is imported
    from talu.template.schema.injection import schema_to_prompt_description

    return str(schema_to_prompt_description(schema))


def constrain(chat: Any, schema: dict[str, Any], stop_token_ids: list[int]) -> None:
    """Make ``chat``'s next generation follow ``schema`` (closed), ending at a stop token."""
    from talu.router._bindings import GrammarConfigC, set_response_format

    lib = chat._router._lib
    encoded = json.dumps(closed_schema(schema)).encode()
    if set_response_format(lib, chat._chat_ptr, encoded, GrammarConfigC(), stop_token_ids, []):
        raise ValueError(f"talu cannot compile a grammar for this schema: {schema!r}")
