"""What renders text: literal template data and ``{{ }}`` outputs."""

from dataclasses import dataclass

from kida.nodes.base import Expr, Stmt


@dataclass(slots=True)
class Data(Stmt):
    text: str


@dataclass(slots=True)
class Output(Stmt):
    expr: Expr
