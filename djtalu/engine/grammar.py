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
    """Streams grammar-constrained JSON so that it ends as valid JSON where it can.

    Tracks strings and brackets as the text passes: a raw control character inside a string
    (which the grammar lets through) is escaped, and a comma outside strings is held back, with
    the whitespace after it, until more text follows. At a dead end the held comma is dropped and
    the string, objects and arrays still open are closed. The caller still validates the result:
    a repaired reply that misses a required key is refused.
    """

    def __init__(self) -> None:
        self._closers: list[str] = []
        self._in_string = False
        self._escaped = False
        #: Text held back: a comma outside strings and the whitespace after it.
        self.held = ""

    def feed(self, piece: str) -> str:
        """The part of ``held + piece`` that is safe to emit now."""
        out: list[str] = []
        for char in piece:
            if self.held:
                if char.isspace():
                    self.held += char
                    continue
                out.append(self.held)
                self.held = ""
            if self._in_string:
                char = self._in_string_char(char)
            elif char == '"':
                self._in_string = True
            elif char in "{[":
                self._closers.append("}" if char == "{" else "]")
            elif char in "}]" and self._closers:
                self._closers.pop()
            elif char == ",":
                self.held = char
                continue
            out.append(char)
        return "".join(out)

    def flush(self, piece: str = "") -> str:
        """The rest, when generation ends normally."""
        text = self.feed(piece) + self.held
        self.held = ""
        return text

    def close(self, piece: str) -> str:
        """At a dead end (the model asked to stop where the grammar allowed no end): the rest
        without a trailing comma, then what closes the open string, objects and arrays."""
        text = self.feed(piece)
        self.held = ""
        if self._in_string:
            text += '\\"' if self._escaped else '"'
        return text + "".join(reversed(self._closers))

    def _in_string_char(self, char: str) -> str:
        if self._escaped:
            self._escaped = False
        elif char == "\\":
            self._escaped = True
        elif char == '"':
            self._in_string = False
        elif char < " ":
            return json.dumps(char)[1:-1]
        return char
