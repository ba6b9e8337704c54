"""{% load registry_i18n %}: Django's i18n tags, constant labels rendered once
per language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.template import Context, Engine, engines
from django.templatetags import i18n as django_i18n
from django.utils import translation

from fh_registry.templatetags import registry_i18n

DJANGO = Engine(libraries={"i18n": "django.templatetags.i18n"})  # Django's own
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

SOURCES = [
    '{% translate "Results" %}|{% trans "Log out" %}',
    '{% translate "Tom & <Jerry>" %}',
    '{% autoescape off %}{% translate "Tom & <Jerry>" %}{% endautoescape %}',
    '{% translate "Results" noop %}',
    "{% translate label %}|{% translate 'Results'|upper %}",
    '{% translate "May" context "month name" %}|{% translate "Results" as h %}{{ h }}',
    "{% get_current_language as code %}{{ code }}",
]


def _ours(source: str) -> Any:
    return engines["django"].from_string("{% load registry_i18n %}" + source)


def _translate_nodes(template: Any) -> list[Any]:
    nodelist = template.template.nodelist
    return list(nodelist.get_nodes_by_type(django_i18n.TranslateNode))


def test_the_library_offers_every_tag_and_filter_of_djangos() -> None:
    library = engines["django"].engine.template_libraries["registry_i18n"]  # type: ignore[attr-defined]
    assert library is registry_i18n.register
    assert set(django_i18n.register.tags) <= set(library.tags)
    assert set(django_i18n.register.filters) <= set(library.filters)


def test_our_templates_load_the_registry_library() -> None:
    sources = {path: path.read_text() for path in TEMPLATES.rglob("*.html")}
    assert any("{% load registry_i18n" in text for text in sources.values())
    plain = [path.name for path, text in sources.items() if "{% load i18n" in text]
    assert plain == []


@pytest.mark.parametrize("source", SOURCES)
def test_renders_what_djangos_library_renders_in_each_language(source: str) -> None:
    ours = _ours(source)
    theirs = DJANGO.from_string("{% load i18n %}" + source)
    # de, en, de again: a kept label follows the language of each render.
    for language in ("de", "en", "de"):
        with translation.override(language):
            context = {"label": "Log out"}
            assert ours.render(context) == theirs.render(Context(context))


def test_constant_labels_are_kept_the_rest_is_djangos_node() -> None:
    constant = _ours('{% translate "Results" %}{% trans "Log out" noop %}')
    assert {type(n) for n in _translate_nodes(constant)} == {
        registry_i18n.ConstantTranslateNode
    }
    rest = _ours(SOURCES[4] + SOURCES[5])
    assert {type(n) for n in _translate_nodes(rest)} == {django_i18n.TranslateNode}
    node = _translate_nodes(constant)[0]
    with translation.override("de"):
        node.render(Context())
    with translation.override("en"):
        node.render(Context(autoescape=False))
    assert node.rendered == {("de", True): "Befunde", ("en", False): "Results"}
