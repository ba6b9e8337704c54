"""The screening side's domain events, received by the follow-up side.

`assessment_recorded`: assessments that may call for follow-up.

Sent by the screening side (capture services, the import, a reassessment) inside
its transaction, once per write, with the new assessments; the follow-up side
connects to it in its AppConfig.ready() and decides which of them open or
extend a care episode. One send may carry many assessments, so an import of
100,000 rows is one set-based reaction, not 100,000.
"""

from django.dispatch import Signal

# Receivers get `assessments` (an iterable of saved screening.models.Assessment,
# possibly a QuerySet) and `acting_user` (who wrote them: a user, or the
# user who uploaded the import batch).
assessment_recorded = Signal()

# `family_changed`: a pedigree link, a person's vital status or a genetic result
# changed, so the cascade plan of their family may change. Receivers get
# `persons` (a list of saved screening.models.Person) and `acting_user`.
family_changed = Signal()
