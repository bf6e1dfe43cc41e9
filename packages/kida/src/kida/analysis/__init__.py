"""Static questions about a parsed template, kept apart from rendering.

``structure``: async detection (``async for``/``await``), whether a body uses a name, the
top-level definitions and declarations. ``dependencies``: the dotted context paths a body reads.
``purity``: "pure"/"impure"/"unknown". kida's node-level entry points for tools holding
trees: ``DependencyWalker``, ``PurityAnalyzer``, ``LandmarkDetector`` (``landmarks``) and
``classify_role`` (``roles``); ``i18n``: the translatable messages of a tree. ``config``:
:class:`AnalysisConfig`. ``metadata``: the public metadata classes; ``introspection``
computes them.

Lints and checks of kida's analysis docs, each in its own module: ``context_contracts``
(K-CTX), ``attributes`` (literal HTML attributes, read by ``markup``), ``escape_audit`` (K-ESC),
``privacy`` (K-PRI), ``calls`` and ``analyzer`` (``BlockAnalyzer``, K-CMP); imported by path as
kida documents them: ``a11y`` (K-A11Y), ``type_checker`` (K-TYP), ``fragile_paths`` (K-PATH).
``targets`` lets each take a template or a bare tree.
"""

from kida.analysis.analyzer import BlockAnalyzer
from kida.analysis.attributes import LiteralAttribute, extract_literal_attributes
from kida.analysis.config import DEFAULT_CONFIG, AnalysisConfig
from kida.analysis.context_contracts import ContextContractIssue, check_context_contract
from kida.analysis.dependencies import DependencyWalker, dependencies, dotted_path
from kida.analysis.escape_audit import EscapeAuditFinding, audit_escaping
from kida.analysis.i18n import ExtractedMessage, ExtractMessagesVisitor
from kida.analysis.introspection import (
    block_metadata,
    collect_defs,
    def_metadata,
    infer_cache_scope,
    purity_rules,
    structure_hash,
)
from kida.analysis.landmarks import LandmarkDetector
from kida.analysis.metadata import (
    BlockMetadata,
    BlockModifierMetadata,
    CacheScope,
    CallValidation,
    DefMetadata,
    DefParamInfo,
    TemplateMetadata,
    TemplateStructureManifest,
    TypeMismatch,
)
from kida.analysis.privacy import PrivacyFinding, lint_privacy
from kida.analysis.purity import Purity, PurityAnalyzer, PurityRules, purity
from kida.analysis.roles import classify_role
from kida.analysis.structure import (
    collect_blocks,
    contains_async,
    declared_context,
    is_async_node,
    needs_async_body,
    stack_targets,
    toplevel_definitions,
    uses_name,
)

__all__ = [
    "DEFAULT_CONFIG",
    "AnalysisConfig",
    "BlockAnalyzer",
    "BlockMetadata",
    "BlockModifierMetadata",
    "CacheScope",
    "CallValidation",
    "ContextContractIssue",
    "DefMetadata",
    "DefParamInfo",
    "DependencyWalker",
    "EscapeAuditFinding",
    "ExtractMessagesVisitor",
    "ExtractedMessage",
    "LandmarkDetector",
    "LiteralAttribute",
    "PrivacyFinding",
    "Purity",
    "PurityAnalyzer",
    "PurityRules",
    "TemplateMetadata",
    "TemplateStructureManifest",
    "TypeMismatch",
    "audit_escaping",
    "block_metadata",
    "check_context_contract",
    "classify_role",
    "collect_blocks",
    "collect_defs",
    "contains_async",
    "declared_context",
    "def_metadata",
    "dependencies",
    "dotted_path",
    "extract_literal_attributes",
    "infer_cache_scope",
    "is_async_node",
    "lint_privacy",
    "needs_async_body",
    "purity",
    "purity_rules",
    "stack_targets",
    "structure_hash",
    "toplevel_definitions",
    "uses_name",
]
