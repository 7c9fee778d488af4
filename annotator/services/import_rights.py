"""Whose work an import may bring in: the importer's own, or, with the lead role, anyone's and gold.
A coder an import names that the project does not know is added only when asked (--create-coders),
so a typo in a name does not become a new coder's done work."""

from __future__ import annotations

from dataclasses import dataclass, field

from annotator.domain.display import look_alike
from annotator.domain.errors import InputError
from annotator.domain.records import DocumentRecord
from annotator.services.access_rules import is_lead
from annotator.store import assignments, identity
from annotator.store.engine import Engine


@dataclass
class Writes:
    """Whose work the checked records carry: each coder with the first line naming them, and the
    first gold line."""
    coders: dict[str, str] = field(default_factory=dict)
    gold_at: str | None = None

    def note(self, where: str, record: DocumentRecord) -> None:
        if record.coder is not None:
            self.coders.setdefault(record.coder, where)
        elif record.gold is not None and self.gold_at is None:
            self.gold_at = where


def authorize(engine: Engine, writes: Writes, create_coders: bool) -> list[str]:
    """Refuse the import, before it stores anything, when it brings in work the acting person may not
    write; returns the coders it will add."""
    if not writes.coders and writes.gold_at is None:
        return []
    with engine.connect() as conn:
        me = identity.acting(conn)
        lead = is_lead(conn)
        known = assignments.pks_by_name(conn, list(writes.coders))
        existing = assignments.coder_names(conn)
        role = "a coder" if assignments.role_of(conn, me) else "not a coder here"
    taken: list[str] = list(existing)  # the file's names too: two of them alike are refused alike
    for name in sorted((c for c in writes.coders if c not in known), key=writes.coders.__getitem__):
        if other := look_alike(name, taken):
            raise InputError(f"{writes.coders[name]}: the coder {name!r} looks like {other!r} (they differ only in case, "
                             "width or Unicode form, which a screen does not show): name one person one way")
        taken.append(name)
    if not lead:
        others = sorted((c for c in writes.coders if c != me), key=writes.coders.__getitem__)
        if writes.gold_at is not None:
            raise InputError(f"{writes.gold_at}: importing gold needs the lead role and {me} is {role}; "
                             "a lead imports it (annotator coder add NAME --role lead)")
        if others:
            first = others[0]
            raise InputError(f"{writes.coders[first]}: the record is {first}'s work, and importing another coder's "
                             f"work needs the lead role ({me} is {role}); import your own work, with \"coder\": "
                             f"{me!r}, or ask a lead")
    unknown = sorted((c for c in writes.coders if c not in known), key=writes.coders.__getitem__)
    if unknown and create_coders and not lead:
        raise InputError(f"{writes.coders[unknown[0]]}: adding coders ({', '.join(unknown[:10])}) needs the lead "
                         f"role and {me} is {role}; a lead adds them (annotator coder add NAME)")
    if unknown and not create_coders:
        listed = ", ".join(f"{name} ({writes.coders[name]})" for name in unknown[:10])
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        raise InputError(f"the file names coder(s) the project does not know: {listed}{more}; add them first "
                         "(annotator coder add NAME) or pass --create-coders to add them with this import")
    return unknown

