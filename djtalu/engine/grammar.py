"""Structured output through talu's grammar-constrained decoding.

Measured with talu 0.0.3 (README, djtalu section): its grammar only enforces ``required`` keys
when an object also forbids additional properties, and it may allow a comma after an object's
last permitted key, a dead end where the model can only emit special tokens (``<|endoftext|>``)
as text until ``max_tokens``, which the grammar otherwise ignores. So the grammar gets a
stricter copy of the schema (every object closed; it can only narrow what the original
accepts), a dead end is closed as JSON where it can be (``JsonCloser``), and the caller
validates every reply against the original schema.
"""

import copy
import json
from pathlib import Path
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


def special_token_texts(model_path: Path) -> tuple[str, ...]:
    """The special tokens of a Hugging Face ``tokenizer.json`` (``<|endoftext|>``, ...)."""
    added = json.loads((model_path / "tokenizer.json").read_text()).get("added_tokens", [])
    return tuple(token["content"] for token in added if token.get("special") and token["content"])


def constrain(chat: Any, schema: dict[str, Any], stop_token_ids: list[int]) -> None:
    """Make ``chat``'s next generation follow ``schema`` (closed), ending at a stop token."""
    from talu.router._bindings import GrammarConfigC, set_response_format

    lib = chat._router._lib
    encoded = json.dumps(closed_schema(schema)).encode()
    if set_response_format(lib, chat._chat_ptr, encoded, GrammarConfigC(), stop_token_ids, []):
        raise ValueError(f"talu cannot compile a grammar for this schema: {schema!r}")


class JsonCloser:
    """Streams grammar-constrained JSON so that a dead end can still end as valid JSON.

    A trailing comma (and the whitespace after it) is held back until more text follows; at a
    dead end the held comma is dropped and the objects and arrays still open are closed. The
    caller validates the result: a repaired reply that misses a required key is still refused.
    """

    def __init__(self) -> None:
        self._released: list[str] = []
        #: Text held back: a comma, outside a string or not, that may turn out to be last.
        self.held = ""

    def feed(self, piece: str) -> str:
        """The part of ``held + piece`` that is safe to emit now."""
        text = self.held + piece
        stripped = text.rstrip()
        cut = len(stripped) - 1 if stripped.endswith(",") else len(text)
        self.held = text[cut:]
        self._released.append(text[:cut])
        return text[:cut]

    def flush(self, piece: str = "") -> str:
        """Everything held, when generation ends normally."""
        text, self.held = self.held + piece, ""
        return text

    def close(self, piece: str) -> str:
        """At a dead end: ``piece`` without a trailing comma, then the closing brackets."""
        text = (self.held + piece).rstrip()
        self.held = ""
        text = text.removesuffix(",")
        return text + _closing("".join(self._released) + text)


def _closing(text: str) -> str:
    """The brackets that close what ``text`` left open ('' inside a string: not repairable)."""
    stack: list[str] = []
    in_string = escaped = False
    for char in text:
        if in_string:
            escaped = not escaped and char == "\\"
            in_string = escaped or char != '"'
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append("}" if char == "{" else "]")
        elif char in "}]" and stack:
            stack.pop()
    return "" if in_string else "".join(reversed(stack))
