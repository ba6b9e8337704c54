"""The one cross-app domain event: an assessment that calls for follow-up.

Sent by the screening services inside their transaction for each new positive or
definite assessment; the follow-up side connects to it in its AppConfig.ready().
"""

from django.dispatch import Signal

# Receivers get `assessment` (a saved screening.models.Assessment).
assessment_recorded = Signal()
