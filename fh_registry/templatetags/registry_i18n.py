"""Django's i18n template tags, with each constant `{% translate "…" %}` rendered
once per language and autoescape setting.

Django's TranslateNode looks its text up anew on every render (gettext through
the active-language lookup, then conversion and escaping): about 15 µs a label.
The child page prints some thirty constant labels, about 7 % of its
instructions. A constant label's text cannot change while the process runs (the
catalogues are read once), so each node keeps what it rendered. Our templates
`{% load registry_i18n %}` (all of Django's i18n tags); makemessages finds
their strings as before. Variables, filters, `context` and `as` are left to
Django's node.
"""

from __future__ import annotations

from typing import Any

from django.template import Context, Library
from django.template.base import Parser, Token, Variable
from django.templatetags import i18n as django_i18n
from django.utils.translation import get_language

register = Library()
register.tags.update(django_i18n.register.tags)
register.filters.update(django_i18n.register.filters)


class ConstantTranslateNode(django_i18n.TranslateNode):
    """A TranslateNode of a quoted string with nothing else to resolve."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rendered: dict[tuple[str | None, bool], str] = {}

    def render(self, context: Context) -> str:
        key = (get_language(), context.autoescape)
        text = self.rendered.get(key)
        if text is None:
            text = self.rendered[key] = super().render(context)
        return text


@register.tag("translate")
@register.tag("trans")
def do_translate(parser: Parser, token: Token) -> django_i18n.TranslateNode:
    node = django_i18n.do_translate(parser, token)
    expression = node.filter_expression
    constant = (
        isinstance(expression.var, Variable)
        and expression.var.literal is not None
        and not expression.filters
        and node.asvar is None
        and node.message_context is None
    )
    if not constant:
        return node
    return ConstantTranslateNode(expression, node.noop)
