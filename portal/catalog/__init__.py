"""The form catalog: procedures administrators define in YAML, and the answers residents give.

This is domain core: no Flask here. User-facing text is returned as :class:`portal.messages.Message`
(or as Japanese msgids from the YAML) for the web layer to translate.
"""

from portal.catalog import fieldtypes  # noqa: F401  (registers the field types)
from portal.catalog.fieldtypes.base import (
    Choices,
    FieldError,
    FieldType,
    Raw,
    Settings,
    SuppliedChoicesType,
    Translate,
)
from portal.catalog.fieldtypes.choice import Option
from portal.catalog.fieldtypes.date import ERA_CHOICES
from portal.catalog.loader import load_catalog, load_definition
from portal.catalog.model import Catalog, FieldDef, Page, ProcedureDefinition, ShowIf
from portal.catalog.postal import PostalAddress, lookup_postal_code, normalise_postal_code
from portal.catalog.registry import field_types, get, register
from portal.catalog.validation import (
    Answer,
    AnsweredPage,
    ValidationResult,
    answers_by_page,
    display_answers,
    display_fields,
    error_field,
    prefill,
    to_raw,
    validate,
    validate_fields,
)
from portal.yamlsource import DefinitionError

__all__ = [
    "Answer",
    "AnsweredPage",
    "ERA_CHOICES",
    "Catalog",
    "Choices",
    "DefinitionError",
    "FieldDef",
    "FieldError",
    "FieldType",
    "Option",
    "Page",
    "PostalAddress",
    "ProcedureDefinition",
    "Raw",
    "Settings",
    "ShowIf",
    "SuppliedChoicesType",
    "Translate",
    "ValidationResult",
    "answers_by_page",
    "display_answers",
    "display_fields",
    "error_field",
    "field_types",
    "get",
    "load_catalog",
    "load_definition",
    "lookup_postal_code",
    "normalise_postal_code",
    "prefill",
    "register",
    "to_raw",
    "validate",
    "validate_fields",
]
