"""Compile-time scopes: which template names are Python locals, and under which name."""

from kida.compiler.pyast import _IN_CONTEXT


class Frame:
    """One lexical scope: template names bound here and the Python local holding each."""

    def __init__(self, parent: "Frame | None", *, kind: str = "nested") -> None:
        self.parent = parent
        self.kind = kind  # "root", "block", "function" or "nested"
        self.names: dict[str, str] = {}

    def resolve(self, name: str) -> str | None:
        frame: Frame | None = self
        while frame is not None:
            if name in frame.names:
                local = frame.names[name]
                return None if local == _IN_CONTEXT else local
            frame = frame.parent
        return None

    def visible_locals(self) -> dict[str, str]:
        """Template name → local for every local binding visible here (inner wins)."""
        found: dict[str, str] = {}
        frame: Frame | None = self
        while frame is not None:
            for name, local in frame.names.items():
                found.setdefault(name, local)
            frame = frame.parent
        return {name: local for name, local in found.items() if local != _IN_CONTEXT}

    def in_function(self) -> bool:
        frame: Frame | None = self
        while frame is not None:
            if frame.kind == "function":
                return True
            frame = frame.parent
        return False
