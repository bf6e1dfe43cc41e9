"""How the analysis classifies blocks: which context names are per page, which functions and
filters a framework vouches for.

Example::

    config = AnalysisConfig(page_prefixes=frozenset({"post"}))
    template.block_metadata(config)["nav"].cache_scope
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AnalysisConfig:
    """Naming conventions for cache-scope inference and extra purity facts.

    A prefix ending in ``.`` matches paths below it; one without a dot matches the name itself
    and the paths below it (``"page"`` matches ``page`` and ``page.title``).
    """

    #: Context names whose blocks vary per page (``cache_scope="page"``).
    page_prefixes: frozenset[str] = frozenset(
        {"page", "page.", "post", "post.", "item", "item.", "doc", "doc.", "entry", "entry."}
    )
    #: Context names shared by the whole site (a pure block reading only these is "site").
    site_prefixes: frozenset[str] = frozenset(
        {"site", "site.", "config", "config.", "global", "global."}
    )
    #: Functions the framework guarantees deterministic (besides the built-in ones).
    extra_pure_functions: frozenset[str] = frozenset()
    #: Filters whose output varies between calls with the same input.
    extra_impure_filters: frozenset[str] = frozenset()


#: Template functions static-site frameworks commonly provide, deterministic within one build.
SSG_PURE_FUNCTIONS = frozenset(
    {
        "absolute_url",
        "alternate_links",
        "asset_url",
        "build_artifact_url",
        "canonical_url",
        "current_lang",
        "get_auto_nav",
        "get_menu",
        "get_menu_lang",
        "icon",
        "og_image",
        "relative_url",
        "t",
    }
)

#: The configuration ``block_metadata()`` uses when given none.
DEFAULT_CONFIG = AnalysisConfig(extra_pure_functions=SSG_PURE_FUNCTIONS)


def matches_prefix(path: str, prefixes: frozenset[str]) -> bool:
    """Whether the dotted ``path`` falls under one of ``prefixes``."""
    for prefix in prefixes:
        if prefix.endswith("."):
            if path.startswith(prefix):
                return True
        elif path == prefix or path.startswith(prefix + "."):
            return True
    return False
