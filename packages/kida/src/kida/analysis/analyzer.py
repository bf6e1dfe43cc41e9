"""``BlockAnalyzer``: kida's programmatic entry to the analysis of a syntax tree, for build
systems and CI that hold trees rather than templates.

Example::

    analyzer = BlockAnalyzer(config=AnalysisConfig(page_prefixes=frozenset({"post"})))
    for issue in analyzer.validate_calls(template._optimized_ast):
        print(issue.def_name, issue.lineno, issue.unknown_params, issue.missing_required)
"""

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from kida import nodes as n
from kida.analysis.calls import check_call, check_call_types, def_calls, signatures
from kida.analysis.config import DEFAULT_CONFIG, AnalysisConfig
from kida.analysis.dependencies import dependencies
from kida.analysis.introspection import block_metadata, purity_rules
from kida.analysis.metadata import CallValidation, TemplateMetadata, TypeMismatch
from kida.analysis.purity import PurityAnalyzer
from kida.analysis.structure import collect_blocks, contains_async, declared_context


class BlockAnalyzer:
    """Block metadata and call checks of a tree under one :class:`AnalysisConfig`.

    ``filters`` (an environment's filter registry) says which filters may count as pure
    (kida's own and those marked ``@kida.pure``); without it kida's built-in deterministic
    filters do (:data:`~kida.analysis.purity.BUILTIN_PURE_FILTERS`), as in kida-templates.
    ``template_resolver(name)`` returns an included template, whose purity then counts for
    the blocks including it (without it an include is "unknown"). ``globals_`` are names
    that are not context reads.
    """

    def __init__(
        self,
        config: AnalysisConfig | None = None,
        template_resolver: Callable[[str], Any] | None = None,
        *,
        filters: Mapping[str, Any] | None = None,
        globals_: frozenset[str] = frozenset(),
    ) -> None:
        self.config = config or DEFAULT_CONFIG
        if filters is None:
            rules = PurityAnalyzer(
                self.config.extra_pure_functions, self.config.extra_impure_filters
            ).rules
        else:
            rules = purity_rules(filters, self.config)
        self._rules = replace(rules, template_resolver=template_resolver)
        self._globals = globals_

    def analyze(self, ast: n.TemplateNode) -> TemplateMetadata:
        """Whole-template metadata of a tree (``name`` None: a tree has none)."""
        blocks = {
            block.name: block_metadata(block, self._globals, self._rules, self.config)
            for block in collect_blocks(ast.body)
        }
        parent = next((s.template for s in ast.body if isinstance(s, n.Extends)), None)
        extends = (
            parent.value if isinstance(parent, n.Const) and isinstance(parent.value, str) else None
        )
        return TemplateMetadata(
            None,
            extends,
            blocks,
            dependencies(ast.body, self._globals, nested=False),
            contains_async(ast),
            declared_context(ast.body),
        )

    def validate_calls(self, ast: n.TemplateNode) -> list[CallValidation]:
        """The calls of the tree's own defs that do not fit their signature, in source order;
        empty when every call fits."""
        found = (check_call(call, definition) for call, definition in self._calls(ast))
        return [issue for issue in found if not issue.is_valid]

    def validate_call_types(self, ast: n.TemplateNode) -> list[TypeMismatch]:
        """The literal arguments of def calls whose type the annotation excludes."""
        return [
            mismatch
            for call, definition in self._calls(ast)
            for mismatch in check_call_types(call, definition)
        ]

    @staticmethod
    def _calls(ast: n.TemplateNode) -> list[tuple[n.Call, n.Def]]:
        calls = list(def_calls(ast, signatures(ast)))
        return sorted(calls, key=lambda pair: (pair[0].lineno, pair[0].col))
