"""The Environment: configuration, the filter/test/global registries and the template cache.

Example::

    >>> from kida import Environment, DictLoader
    >>> env = Environment(loader=DictLoader({"hi.html": "Hi {{ name }}"}))
    >>> env.get_template("hi.html").render(name="<you>")
    'Hi &lt;you&gt;'
"""

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from types import CodeType
from typing import Any, TypeVar

from kida.analysis.calls import signatures
from kida.analysis.purity import is_marked_pure
from kida.bytecode_cache import FileSystemBytecodeCache, cache_key, with_filename
from kida.compiler import Compiler, call_validation, migration, partial_eval
from kida.compiler.core import MODES, code_filename, nesting_limit
from kida.compiler.pyast import Mode
from kida.environment.filters import DEFAULT_FILTERS
from kida.environment.filters.sequences import do_sort_strict
from kida.environment.fragments import FragmentCache, cache_stats
from kida.environment.globals import HTMX_GLOBALS
from kida.environment.i18n import identity_gettext, identity_ngettext
from kida.environment.loaders import (
    ChoiceLoader,
    DictLoader,
    FileSystemLoader,
    FunctionLoader,
    Loader,
    PackageLoader,
    PrefixLoader,
    load_source,
)
from kida.environment.options import BUILTIN_GLOBALS, select_autoescape
from kida.environment.tests import DEFAULT_TESTS
from kida.exceptions import (
    ErrorCode,
    TemplateError,
    TemplateNotFoundError,
    TemplateSyntaxError,
    UndefinedError,
)
from kida.extensions import Extension
from kida.lexer import Delimiters, tokenize
from kida.parser import Parser
from kida.parser.core import StatementHandler
from kida.passing import pass_kind
from kida.render_context import consume
from kida.runtime.composition import resolve_name_in
from kida.runtime.namespace import COMPILED_NAMESPACE
from kida.template import Template
from kida.utils.template_keys import resolve_template_name

F = TypeVar("F", bound=Callable[..., Any])
Autoescape = bool | str | Callable[[str | None], bool]


def _default_globals() -> dict[str, Any]:
    from kida.passing import pass_context

    return {
        **BUILTIN_GLOBALS,
        "consume": pass_context(consume),
        "_": identity_gettext,
        "_n": identity_ngettext,
    }


class Environment:
    """Shared configuration of a set of templates, and their compile cache.

    Example::

        env = Environment(loader=FileSystemLoader("templates"), autoescape=True)
        env.add_filter("money", lambda v: f"{v:.2f} €")
        html = env.get_template("page.html").render(user=user)
    """

    #: The class of the templates it makes (and that ``{% include %}`` accepts as a value).
    template_class: type[Template] = Template
    #: Compile calls, ``*`` and ``%`` through checked helpers (``kida.sandbox`` sets it).
    sandboxed: bool = False
    #: What compiled code starts from: the runtime under short names.
    compiled_namespace: Mapping[str, Any] = COMPILED_NAMESPACE
    #: The built-in filters: while one is still registered under its name, the compiler may
    #: inline it or run it on static values.
    builtin_filters: Mapping[str, Callable[..., Any]] = DEFAULT_FILTERS

    def __init__(
        self,
        loader: Loader | None = None,
        autoescape: Autoescape = True,
        globals: dict[str, Any] | None = None,
        filters: dict[str, Callable[..., Any]] | None = None,
        tests: dict[str, Callable[..., Any]] | None = None,
        auto_reload: bool = True,
        *,
        block_start: str = "{%",
        block_end: str = "%}",
        variable_start: str = "{{",
        variable_end: str = "}}",
        comment_start: str = "{#",
        comment_end: str = "#}",
        trim_blocks: bool = False,
        lstrip_blocks: bool = False,
        cache_size: int = 400,
        fragment_cache_size: int = 1000,
        fragment_ttl: float = 300.0,
        template_aliases: dict[str, str] | None = None,
        aliases: dict[str, str] | None = None,
        bytecode_cache: FileSystemBytecodeCache | bool | None = None,
        static_context: dict[str, Any] | None = None,
        strict_undefined: bool = True,
        strict_none: bool = False,
        preserve_ast: bool = True,
        pure_filters: Iterable[str] = (),
        max_extends_depth: int = 50,
        max_include_depth: int = 50,
        jinja2_compat_warnings: bool = True,
        fstring_coalescing: bool = True,
        validate_calls: bool = False,
        enable_htmx_helpers: bool = True,
        enable_capture: bool = False,
        enable_profiling: bool = False,
        extensions: Iterable[type[Extension]] = (),
    ) -> None:
        self.loader = loader
        self.autoescape = autoescape
        self.globals: dict[str, Any] = _default_globals()
        if enable_htmx_helpers:
            self.globals.update(HTMX_GLOBALS)
        self.globals.update(globals or {})
        self.filters: dict[str, Callable[..., Any]] = dict(DEFAULT_FILTERS)
        self.filters.update(filters or {})
        self.tests: dict[str, Callable[..., Any]] = dict(DEFAULT_TESTS)
        self.tests.update(tests or {})
        self.auto_reload = auto_reload
        self.delimiters = Delimiters(
            block_start, block_end, variable_start, variable_end, comment_start, comment_end
        )
        self.trim_blocks = trim_blocks
        self.lstrip_blocks = lstrip_blocks
        self.cache_size = cache_size
        #: ``@name/x.html`` → ``<target>/x.html`` (``aliases``: our old name for it).
        self.template_aliases: dict[str, str] = {**(aliases or {}), **(template_aliases or {})}
        self._cache: OrderedDict[str, Template] = OrderedDict()
        self._hits = self._misses = 0
        if bytecode_cache is True:
            raise TypeError(
                "bytecode_cache=True: pass a FileSystemBytecodeCache(directory) to choose where"
                " compiled templates are stored (None or False: no cache)"
            )
        #: Compiled code of named templates on disk, shared across processes (optional;
        #: ``False``/``None``: none, kida-templates' spellings of "off").
        self.bytecode_cache = bytecode_cache or None
        self.fragment_cache = FragmentCache(fragment_cache_size, fragment_ttl)
        #: Values known when compiling: reads of them become constants (partial evaluation).
        self.static_context = static_context
        #: False: a missing attribute or key, or one of None, reads as an empty undefined value
        #: instead of raising (chosen when compiling, so the strict default pays nothing).
        self.strict_undefined = strict_undefined
        #: True: ``sort`` refuses None keys instead of sorting them last (its strict variant is
        #: registered now, so the default ``sort`` stays as it is).
        self.strict_none = strict_none
        if strict_none and self.filters.get("sort") is DEFAULT_FILTERS["sort"]:
            self.filters["sort"] = do_sort_strict
        #: False: drop each template's syntax tree once compiled (its introspection is then empty).
        self.preserve_ast = preserve_ast
        #: Filters besides the built-in pure ones that static values may run at compile time.
        self.pure_filters: set[str] = set(pure_filters)
        self.max_extends_depth = max_extends_depth
        self.max_include_depth = max_include_depth
        #: True: calls of defs (the template's own and literal ``{% from %}`` imports) are
        #: checked when compiling; a mismatch is a ComponentWarning (K-CMP-001/002).
        self.validate_calls = validate_calls
        self._validating: set[str] = set()  # imports being loaded for call validation
        #: True: a nested ``set`` shadowing a template-wide name is a MigrationWarning.
        self.jinja2_compat_warnings = jinja2_compat_warnings
        # Accepted for kida-templates compatibility, without effect here (see the README).
        self.fstring_coalescing = fstring_coalescing
        #: Whether the hx_*() / csrf_token() / csp_nonce() globals were added (environment.globals).
        self.enable_htmx_helpers = enable_htmx_helpers

        #: Whether renders inside ``captured_render()`` record their blocks (kida.render_capture).
        self.enable_capture = enable_capture
        #: Accepted for kida compatibility: ``profiled_render()`` profiles every environment.
        self.enable_profiling = enable_profiling
        self.extensions = [extension(self) for extension in extensions]
        self._extension_statements: dict[str, StatementHandler] = {}
        #: Node class name → the extension compiling it (``Extension.node_types``).
        self._extension_compilers: dict[str, Extension] = {}
        end_keywords: set[str] = set()
        for extension in self.extensions:
            self.filters.update(extension.get_filters())
            self.tests.update(extension.get_tests())
            self.globals.update(extension.get_globals())
            for tag in extension.tags:
                self._extension_statements[tag] = extension.statement_handler(tag)
            self._extension_compilers.update(dict.fromkeys(extension.node_types, extension))
            end_keywords.update(extension.end_keywords)
        self._extension_end_keywords = frozenset(end_keywords)

    @property
    def aliases(self) -> dict[str, str]:
        """Our old name of :attr:`template_aliases`."""
        return self.template_aliases

    @aliases.setter
    def aliases(self, value: dict[str, str]) -> None:
        self.template_aliases = value

    # --- registries ------------------------------------------------------------------------

    def _register(
        self,
        registry: dict[str, Callable[..., Any]],
        name: str | F,
        func: F | None,
        on_add: Callable[[str, Callable[..., Any]], None] | None = None,
    ) -> Any:
        def add(key: str, f: F) -> F:
            self._cache.clear()
            registry[key] = f
            if on_add is not None:
                on_add(key, f)
            return f

        if callable(name):
            return add(name.__name__, name)
        if func is None:
            return lambda f: add(name, f)
        return add(name, func)

    def add_filter(self, name: Any, func: Callable[..., Any] | None = None) -> Any:
        """Register a filter: ``env.add_filter("x", f)``, ``@env.add_filter("x")`` or
        ``@env.add_filter``. A filter marked ``@pure`` joins :attr:`pure_filters`."""
        return self._register(self.filters, name, func, self._note_pure)

    def _note_pure(self, name: str, func: Callable[..., Any]) -> None:
        if is_marked_pure(func):
            self.pure_filters.add(name)

    def add_test(self, name: Any, func: Callable[..., Any] | None = None) -> Any:
        """Register a test, like :meth:`add_filter`."""
        return self._register(self.tests, name, func)

    def update_filters(self, filters: Mapping[str, Callable[..., Any]]) -> None:
        """Register several filters at once: ``env.update_filters({"double": f, ...})``."""
        for name, func in filters.items():
            self.add_filter(name, func)

    def update_tests(self, tests: Mapping[str, Callable[..., Any]]) -> None:
        """Register several tests at once, like :meth:`update_filters`."""
        for name, func in tests.items():
            self.add_test(name, func)

    def add_global(self, name: str, value: Any) -> None:
        """Make ``value`` readable as ``name`` in every template."""
        self._cache.clear()
        self.globals[name] = value

    def install_translations(self, translations: Any) -> None:
        """Translate with a ``gettext.GNUTranslations``-like object (``gettext``/``ngettext``)."""
        self.install_gettext_callables(translations.gettext, translations.ngettext)

    def install_gettext_callables(
        self, gettext: Callable[[str], str], ngettext: Callable[[str, str, int], str]
    ) -> None:
        """Use these for ``_`` / ``_n`` in expressions and for ``{% trans %}`` blocks."""
        self.globals.update(
            {"_": gettext, "_n": ngettext, "gettext": gettext, "ngettext": ngettext}
        )
        self._cache.clear()

    # --- autoescape ------------------------------------------------------------------------

    def autoescape_for(self, name: str | None) -> bool:
        """Whether templates named ``name`` escape HTML (``x.html.kida``: the inner extension)."""
        setting = self.autoescape
        if isinstance(setting, bool):
            return setting
        if isinstance(setting, str):
            return setting not in ("terminal", "markdown", "none", "off")
        if name is not None and name.endswith(".kida"):
            name = name[: -len(".kida")]
        return bool(setting(name))

    # --- loading ---------------------------------------------------------------------------

    def accepts_template(self, template: Template) -> bool:
        """Whether a Template object handed to include/extends/import may render from this
        environment's templates: any (a sandboxed environment is stricter)."""
        return True

    def get_template(self, name: str, *, caller: str | None = None) -> Template:
        """The compiled template ``name``, from the cache while its source is unchanged.

        ``@alias/x`` goes through ``template_aliases``; ``./x`` and ``../x`` are relative to
        template ``caller``; the name is then read as
        :func:`~kida.utils.template_keys.resolve_template_name` spells it (whitespace
        stripped, ``/`` separators, nothing above the template root)."""
        template = self._cache.get(name)
        if template is not None and (
            not self.auto_reload or template.uptodate is None or template.uptodate()
        ):
            self._cache.move_to_end(name)
            self._hits += 1
            return template
        canonical = resolve_template_name(name, caller, self.template_aliases)
        if canonical != name:  # cached under its canonical spelling
            return self.get_template(canonical)
        self._misses += 1
        if self.loader is None:
            raise TemplateNotFoundError(
                f"template {name!r} not found: no loader configured",
                name=name,
                hint="pass one: Environment(loader=FileSystemLoader('templates/'))",
                code=ErrorCode.NO_LOADER,
            )
        source, filename, uptodate = load_source(self.loader, self, name)
        template = self.compile_template(
            source, name, filename, uptodate, static_context=self.static_context
        )
        self._cache[name] = template
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return template

    def select_template(self, names: Iterable[str]) -> Template:
        """The first template of ``names`` that exists."""
        tried = []
        for name in names:
            tried.append(name)
            try:
                return self.get_template(name)
            except TemplateNotFoundError:
                continue
        raise TemplateNotFoundError(
            f"none of the templates {tried!r} exists", hint="check the names and the loader"
        )

    def from_string(
        self, source: str, name: str | None = None, static_context: dict[str, Any] | None = None
    ) -> Template:
        """Compile a template from its source (not cached).

        ``static_context`` (else the Environment's) is folded into the code where the template
        reads it, and its values are available to every render.
        """
        static = self.static_context if static_context is None else static_context
        return self.compile_template(source, name, None, None, static, static_context=static)

    def render(self, template_name: str, *args: Any, **context: Any) -> str:
        """Load ``template_name`` and render it: ``env.render("page.html", title="Hi")``."""
        return self.get_template(template_name).render(*args, **context)

    def render_string(self, source: str, *args: Any, **context: Any) -> str:
        """Compile ``source`` and render it: ``env.render_string("{{ x * 2 }}", x=21)``."""
        return self.from_string(source).render(*args, **context)

    def _parser_for(self, source: str, name: str | None) -> Parser:
        """A parser of ``source`` as this environment reads templates: its delimiters and
        whitespace options, its extensions' tags and end keywords (``kida.diagnostics`` parses
        again with it, to see what only the parser sees)."""
        tokens = tokenize(
            source,
            name,
            self.delimiters,
            trim_blocks=self.trim_blocks,
            lstrip_blocks=self.lstrip_blocks,
        )
        parser = Parser(tokens, name, source)
        parser.extra_statements = self._extension_statements
        parser.extension_end_keywords = self._extension_end_keywords
        return parser

    def compile_template(
        self,
        source: str,
        name: str | None,
        filename: str | None,
        uptodate: Callable[[], bool] | None,
        defaults: dict[str, Any] | None = None,
        *,
        static_context: dict[str, Any] | None = None,
        cache: bool = True,
    ) -> Template:
        """Lex, parse, analyse and compile ``source`` into a :class:`Template`; reads of
        ``static_context`` names become constants. ``cache=False`` neither reads nor writes
        the bytecode cache (an editor's unsaved buffer, ``kida.diagnostics``).

        The stages are those kida's architecture page drives by hand (``Compiler(env)``,
        ``Template(env, code, ...)``); here the stream and async renderers are compiled on
        first use, and named templates go through the bytecode cache."""
        code_name = code_filename(name, filename)
        with nesting_limit(name, source):
            tree = self._parser_for(source, name).parse()
        if self.validate_calls:
            tree.warnings.extend(
                call_validation.check(tree, name, lambda other: self._defs_of(name, other))
            )
        if self.jinja2_compat_warnings:
            tree.warnings.extend(migration.check(tree, name))
        static = static_context or None
        folding = partial_eval.Folding(tree, static) if static else None

        def build(modes: tuple[Mode, ...]) -> CodeType:
            return self._build(tree, name, source, code_name, modes, folding, cache=cache)

        # Without the tree kept, there is nothing to compile the streaming renderers from
        # later: every renderer is compiled now.
        template = self.template_class(
            self,
            build(("render",) if self.preserve_ast else MODES),
            name,
            filename,
            tree,
            source,
            uptodate=uptodate,
            defaults=defaults if defaults is not None else static,
            build_streaming=(lambda: build(("stream", "async"))) if self.preserve_ast else None,
        )
        if not self.preserve_ast:
            template.discard_tree()
        return template

    def _defs_of(self, importer: str | None, name: str) -> dict[str, Any]:
        """The defs of template ``name`` as imported by ``importer``, for call validation:
        empty when it cannot be loaded (the render reports that) or is being compiled now."""
        try:
            resolved = resolve_name_in(self.template_aliases, importer, name)
        except TemplateError:
            return {}
        if resolved in self._validating or self.loader is None:
            return {}
        self._validating.add(resolved)
        try:
            template = self.get_template(resolved)
        except TemplateError:
            return {}
        finally:
            self._validating.discard(resolved)
        return signatures(template.tree)

    def _build(
        self,
        tree: Any,
        name: str | None,
        source: str,
        code_name: str,
        modes: tuple[Mode, ...],
        folding: partial_eval.Folding | None = None,
        *,
        cache: bool = True,
    ) -> CodeType:
        """The code of the module of ``modes``: loaded from the bytecode cache, or compiled
        (and stored there). Code folded from static values is not cached on disk. Warnings
        the compiler finds join ``tree.warnings``."""
        use_cache = cache and not folding
        key = self._bytecode_key(name, source, modes) if use_cache else None
        cached = self.bytecode_cache.load(key) if self.bytecode_cache and key else None
        if cached is not None:
            return with_filename(cached, code_name)
        code = self.compile_tree(tree, name, source, code_name, modes, folding)
        if self.bytecode_cache and key:
            self.bytecode_cache.store(key, code)
        return code

    def compile_tree(
        self,
        tree: Any,
        name: str | None,
        source: str,
        code_name: str,
        modes: tuple[Mode, ...],
        folding: partial_eval.Folding | None = None,
    ) -> CodeType:
        """Compile ``tree`` with this environment's settings (``kida.runtime.namespace.
        run_module`` runs the code). Also how ``kida.compiler.block_recompile`` compiles the
        blocks that changed."""
        compiler = Compiler(self, static=folding)
        return compiler.compile(tree, name, code_name, source=source, modes=modes)

    def _bytecode_key(self, name: str | None, source: str, modes: tuple[Mode, ...]) -> str | None:
        """The bytecode cache key of a named template's module (None: not cached)."""
        if self.bytecode_cache is None or name is None:
            return None
        settings = "|".join(
            [
                str(self.autoescape_for(name)),
                repr(self.delimiters),
                str(self.trim_blocks),
                str(self.lstrip_blocks),
                str(self.strict_undefined),
                str(self.sandboxed),
                self._registry_fingerprint(),
            ]
        )
        return cache_key(name, source, modes, settings)

    def _registry_fingerprint(self) -> str:
        """What of the registries compiled code depends on: names, pass markers, built-ins."""
        parts = [
            *(
                f"f:{k}:{pass_kind(v)}:{v is DEFAULT_FILTERS.get(k)}"
                for k, v in self.filters.items()
            ),
            *(f"t:{k}:{pass_kind(v)}:{v is DEFAULT_TESTS.get(k)}" for k, v in self.tests.items()),
            *(f"g:{k}:{pass_kind(v) if callable(v) else ''}" for k, v in self.globals.items()),
        ]
        return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()

    # --- decorators ------------------------------------------------------------------------

    def filter(self, name: str | None = None) -> Callable[[F], F]:
        """``@env.filter()`` / ``@env.filter("name")``: register the decorated function."""
        return lambda func: self.add_filter(name or func.__name__, func)

    def test(self, name: str | None = None) -> Callable[[F], F]:
        """``@env.test()`` / ``@env.test("name")``: register the decorated function."""
        return lambda func: self.add_test(name or func.__name__, func)

    # --- caches ----------------------------------------------------------------------------

    def cache_info(self) -> dict[str, dict[str, Any] | None]:
        """Sizes and hit counts: ``{"template": {size, max_size, hits, misses, hit_rate},
        "fragment": {...}, "bytecode": {file_count, total_bytes}}`` (``"bytecode"`` None
        without a bytecode cache)."""
        return {
            "template": cache_stats(len(self._cache), self.cache_size, self._hits, self._misses),
            "fragment": self.fragment_cache.info(),
            "bytecode": self.bytecode_cache.stats() if self.bytecode_cache else None,
        }

    def clear_template_cache(self, names: Iterable[str] | None = None) -> None:
        """Forget compiled templates: all, or those of ``names``."""
        if names is None:
            self._cache.clear()
            self._hits = self._misses = 0
            return
        for name in names:
            self._cache.pop(name, None)

    def clear_fragment_cache(self) -> None:
        """Forget every ``{% cache %}`` fragment."""
        self.fragment_cache.clear()

    def clear_cache(self, include_bytecode: bool = False) -> None:
        """Forget compiled templates and fragments; the bytecode cache on disk too if asked."""
        self.clear_template_cache()
        self.clear_fragment_cache()
        if include_bytecode and self.bytecode_cache is not None:
            self.bytecode_cache.clear()

    def fragment_cache_get(self, key: Any) -> str | None:
        """A live ``{% cache %}`` fragment, or None."""
        return self.fragment_cache.get(key)

    def fragment_cache_set(self, key: Any, text: str, ttl: Any) -> None:
        """Store a rendered ``{% cache %}`` fragment for ``ttl`` (None: ``fragment_ttl``)."""
        self.fragment_cache.set(key, text, ttl)


#: As in kida-templates, the loaders and the main error classes can be imported from here too.
__all__ = [
    "ChoiceLoader",
    "DictLoader",
    "Environment",
    "FileSystemLoader",
    "FunctionLoader",
    "Loader",
    "PackageLoader",
    "PrefixLoader",
    "TemplateError",
    "TemplateNotFoundError",
    "TemplateSyntaxError",
    "UndefinedError",
    "select_autoescape",
]
