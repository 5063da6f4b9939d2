"""The field types, one module per family; importing this package registers them all."""

from portal.catalog.fieldtypes import (  # noqa: F401  (imported to register)
    bank_account,
    choice,
    contact,
    date,
    file,
    group,
    household,
    item_counts,
    kana,
    number,
    postal_code,
    text,
)
