"""``kida.environment`` re-exports the loaders and the main error classes, as kida-templates'
does: the very objects of their home modules, not copies."""

import pytest

import kida.environment
import kida.environment.loaders
import kida.exceptions

#: kida-templates 0.12.1's ``kida/environment/__init__.py`` names (its protocols aside).
REEXPORTS = {
    "ChoiceLoader": kida.environment.loaders,
    "DictLoader": kida.environment.loaders,
    "FileSystemLoader": kida.environment.loaders,
    "FunctionLoader": kida.environment.loaders,
    "PackageLoader": kida.environment.loaders,
    "PrefixLoader": kida.environment.loaders,
    "TemplateError": kida.exceptions,
    "TemplateNotFoundError": kida.exceptions,
    "TemplateSyntaxError": kida.exceptions,
    "UndefinedError": kida.exceptions,
}


@pytest.mark.parametrize("name", sorted(REEXPORTS))
def test_name_is_the_same_object_from_kida_environment(name: str) -> None:
    assert getattr(kida.environment, name) is getattr(REEXPORTS[name], name)
    assert name in kida.environment.__all__


def test_star_import_gives_every_reexport() -> None:
    namespace: dict[str, object] = {}
    exec("from kida.environment import *", namespace)
    assert set(REEXPORTS) | {"Environment"} <= namespace.keys()


def test_a_reexported_loader_and_error_work_together() -> None:
    env = kida.environment.Environment(loader=kida.environment.DictLoader({"a.html": "A"}))
    assert env.get_template("a.html").render() == "A"
    with pytest.raises(kida.environment.TemplateNotFoundError):
        env.get_template("missing.html")
