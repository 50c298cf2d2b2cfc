"""Who may do what, on which rows: :func:`can` / :func:`require` (see :mod:`.permissions`)."""

from cases.access.permissions import CaseTrigger, Duty, RecordTrigger, can, require

__all__ = ["CaseTrigger", "Duty", "RecordTrigger", "can", "require"]
