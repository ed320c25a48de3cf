"""Validate input records against the interchange format (see ``docs/format.md``)."""

from .rejects import RejectWriter
from .rules import ACCOUNT_RULES, EVENT_RULES, Rule
from .validator import REJECTS_SCHEMA, Validated, Validator

__all__ = ["Validator", "Validated", "RejectWriter", "REJECTS_SCHEMA", "EVENT_RULES", "ACCOUNT_RULES", "Rule"]
