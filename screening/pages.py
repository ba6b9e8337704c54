"""Extension points of the screening pages for apps that build on screening.

The follow-up side shows a child's care episode on the child's page without
screening importing it (the apps depend one way): it registers a panel in its
AppConfig.ready(), and the page renders every registered panel in order.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest
from django.utils.safestring import SafeString

from screening.models import Person

# A panel renders its section of a person's page ("" shows nothing).
Panel = Callable[[HttpRequest, Person], SafeString | str]


class PanelRegistry:
    def __init__(self) -> None:
        self._panels: dict[str, Panel] = {}

    def register(self, name: str, panel: Panel) -> None:
        """Register (or replace, by name: ready() may run twice) a panel."""
        self._panels[name] = panel

    def render(self, request: HttpRequest, person: Person) -> list[SafeString | str]:
        return [
            html for panel in self._panels.values() if (html := panel(request, person))
        ]


person_panels = PanelRegistry()
