"""The project database: one table per word of the design (document, suggestion, annotation, ...).

Integer surrogate keys join the tables; `Document.id` is the stable id people and files use.
These SQLModel classes are the definition: migrations are made and checked against them. The
store's SQL uses their Core copy in tables.py (`python -m annotator.store.schema_code` writes it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from annotator.domain.vocabulary import DECISIONS, GOLD_HOWS, MODEL_TASKS, ORIGINS, ROLES, STATUSES
from annotator.store.tables import utcnow


def one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """The database refuses any value outside the domain's vocabulary."""
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f'"{column}" IN ({listed})', name=f"{column}_valid")


def _json(**kw: Any) -> Any:
    return Field(default_factory=dict, sa_column=Column(JSON, nullable=False), **kw)


class CodebookRow(SQLModel, table=True):
    """Every codebook the project has used; the newest row is the one in force."""
    __tablename__ = "codebook"
    pk: int | None = Field(default=None, primary_key=True)
    name: str
    version: int
    hash: str = Field(index=True)
    source: str  # the TOML text as it was loaded
    created_at: datetime = Field(default_factory=utcnow)


class Coder(SQLModel, table=True):
    __table_args__ = (one_of("role", ROLES),)
    pk: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    role: str = "coder"  # coder | lead
    created_at: datetime = Field(default_factory=utcnow)
    # Where the coding screen reopens: the document the coder last had open.
    last_document_pk: int | None = Field(default=None, foreign_key="document.pk", ondelete="SET NULL")
    # Lower bounds under which every document of the coder's queue is finished (done or skipped):
    # a document key (no assignment) and an assignment position. The next unfinished document is
    # looked for from there, so a coder deep in the queue does not walk what lies behind.
    finished_through_pk: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    finished_through_position: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Document(SQLModel, table=True):
    # The queue's other orders are seeks on these keys, with pk breaking ties.
    __table_args__ = (Index("ix_document_shuffle", "shuffle", "pk"), Index("ix_document_certainty", "certainty", "pk"),
                      Index("ix_document_seq", "seq", unique=True))
    pk: int | None = Field(default=None, primary_key=True)  # import order: the queue's order
    id: str = Field(unique=True)
    title: str = ""
    text: str
    meta: dict[str, Any] = _json()
    text_hash: str = Field(unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    # Tokens in the text (domain.tokens), once token-level agreement has needed them.
    token_count: int | None = None
    # `code --order random`: a hash of the id, the same shuffle on every machine.
    shuffle: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # `code --order uncertain`: the lowest score of the newest suggestion's stances (NO_CERTAINTY
    # without one, so those come last).
    certainty: float = Field(default=2.0, sa_column_kwargs={"server_default": "2.0"})
    # Shown without suggestions (`assign --blind`): agreement compares these with assisted ones.
    blind: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})
    # 1, 2, 3, ... in import order with no gaps (pk may have gaps on a server): a document's place
    # in the queue, and the project's size, are one seek.
    seq: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class Suggestion(SQLModel, table=True):
    """One model's proposals for one document, kept per model name and version."""
    __table_args__ = (UniqueConstraint("document_pk", "model", "version"),
                      Index("ix_suggestion_model_document", "model", "version", "document_pk"))
    pk: int | None = Field(default=None, primary_key=True)
    document_pk: int = Field(foreign_key="document.pk", ondelete="CASCADE")
    model: str
    version: str
    spans: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    stances: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class Annotation(SQLModel, table=True):
    """One coder's version of one document; only that coder writes it."""
    __table_args__ = (
        UniqueConstraint("document_pk", "coder_pk"),
        Index("ix_annotation_coder_status_updated", "coder_pk", "status", "updated_at"),  # "done today": a range
        one_of("status", STATUSES),
    )
    pk: int | None = Field(default=None, primary_key=True)
    document_pk: int = Field(foreign_key="document.pk", ondelete="CASCADE")
    coder_pk: int = Field(foreign_key="coder.pk")
    status: str = "draft"  # draft | done | skipped
    seconds: float = 0.0
    suggestions_shown: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    # Whose suggestions the coder decided on ("name:version"), per task: `annotator models` counts
    # each model version's accepted, changed and rejected suggestions by them.
    entity_model: str | None = None
    stance_model: str | None = None


class AnnotationSpan(SQLModel, table=True):
    __tablename__ = "annotation_span"
    # Covering: reading an annotation's spans (gold, agreement) never visits the table's rows.
    __table_args__ = (one_of("origin", ORIGINS), Index("ix_annotation_span_items", "annotation_pk", "start", "end", "label"))
    pk: int | None = Field(default=None, primary_key=True)
    annotation_pk: int = Field(foreign_key="annotation.pk", ondelete="CASCADE")
    start: int
    end: int
    label: str
    origin: str = "added"  # accepted | changed | added | imported
    aligned: bool = True  # False: imported offsets that do not fall on token boundaries (kept, flagged)
    # The suggested span it was taken from, if any: its decision follows every edit of this span.
    source_start: int | None = None
    source_end: int | None = None
    source_label: str | None = None


class AnnotationStance(SQLModel, table=True):
    __tablename__ = "annotation_stance"
    __table_args__ = (UniqueConstraint("annotation_pk", "target"), one_of("origin", ORIGINS),
                      Index("ix_annotation_stance_items", "annotation_pk", "target", "label"))  # covering, as spans
    pk: int | None = Field(default=None, primary_key=True)
    annotation_pk: int = Field(foreign_key="annotation.pk", ondelete="CASCADE")
    target: str
    label: str
    origin: str = "added"  # accepted | changed | added | imported
    source_label: str | None = None  # the suggested label it was coded against, if any


class SuggestionDecision(SQLModel, table=True):
    """What a coder did with one suggested span: accepted, changed or rejected. Undecided: no row."""
    __tablename__ = "suggestion_decision"
    __table_args__ = (one_of("decision", DECISIONS),)
    pk: int | None = Field(default=None, primary_key=True)
    annotation_pk: int = Field(foreign_key="annotation.pk", ondelete="CASCADE", index=True)
    start: int
    end: int
    label: str
    decision: str


class StanceDecision(SQLModel, table=True):
    """What a coder did with one suggested stance (target and the suggested label). Undecided: no row."""
    __tablename__ = "stance_decision"
    __table_args__ = (UniqueConstraint("annotation_pk", "target", "label"), one_of("decision", DECISIONS))
    pk: int | None = Field(default=None, primary_key=True)
    annotation_pk: int = Field(foreign_key="annotation.pk", ondelete="CASCADE")
    target: str
    label: str
    decision: str


class Gold(SQLModel, table=True):
    """The adjudicated version of a document."""
    pk: int | None = Field(default=None, primary_key=True)
    document_pk: int = Field(foreign_key="document.pk", ondelete="CASCADE", unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    min_agreement: int | None = None  # the bar it was derived with (None: more than half)
    # Items the coders left unsettled at the last derivation: the review screen serves these first.
    disputed: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    # A digest of the derived items: deriving again compares it instead of reading the items back.
    derived_digest: str | None = None
    # The coders it came from (gold JSONL's "annotators"), kept: imported gold has no annotations to ask.
    annotators: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    # Imported gold's own word for the document (gold JSONL's "adjudication"): an export says it
    # again where no item carries a word (gold with nothing in it). Derived gold leaves it empty.
    adjudication: str | None = None


class GoldAdjudication(SQLModel, table=True):
    """A lead's decision on a region of text (every span overlapping it) or on a target: derivation
    leaves it alone from then on. The gold items it produced are in gold_span / gold_stance."""
    __tablename__ = "gold_adjudication"
    __table_args__ = (one_of("kind", ("span", "stance")),)
    pk: int | None = Field(default=None, primary_key=True)
    gold_pk: int = Field(foreign_key="gold.pk", ondelete="CASCADE", index=True)
    kind: str  # span | stance
    start: int = 0
    end: int = 0
    target: str | None = None
    by_coder_pk: int = Field(foreign_key="coder.pk")
    at: datetime = Field(default_factory=utcnow)


class GoldSpan(SQLModel, table=True):
    __tablename__ = "gold_span"
    __table_args__ = (one_of("how", GOLD_HOWS),)
    pk: int | None = Field(default=None, primary_key=True)
    gold_pk: int = Field(foreign_key="gold.pk", ondelete="CASCADE", index=True)
    start: int
    end: int
    label: str
    how: str  # unanimous | majority | adjudicated
    by_coder_pk: int | None = Field(default=None, foreign_key="coder.pk")


class GoldStance(SQLModel, table=True):
    __tablename__ = "gold_stance"
    __table_args__ = (UniqueConstraint("gold_pk", "target"), one_of("how", GOLD_HOWS))
    pk: int | None = Field(default=None, primary_key=True)
    gold_pk: int = Field(foreign_key="gold.pk", ondelete="CASCADE")
    target: str
    label: str
    how: str
    by_coder_pk: int | None = Field(default=None, foreign_key="coder.pk")


class Assignment(SQLModel, table=True):
    """Which coder gets which document, in which order; overlap documents go to several coders."""
    __table_args__ = (
        UniqueConstraint("document_pk", "coder_pk"),
        Index("ix_assignment_coder_position", "coder_pk", "position"),
    )
    pk: int | None = Field(default=None, primary_key=True)
    document_pk: int = Field(foreign_key="document.pk", ondelete="CASCADE")
    coder_pk: int = Field(foreign_key="coder.pk")
    position: int
    overlap: bool = False
    created_at: datetime = Field(default_factory=utcnow)


class Event(SQLModel, table=True):
    """Append-only audit trail of every change; also the source of undo."""
    __table_args__ = (Index("ix_event_document", "document_pk"),)
    pk: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow)
    coder_pk: int | None = Field(default=None, foreign_key="coder.pk")
    kind: str
    document_pk: int | None = Field(default=None, foreign_key="document.pk")
    annotation_pk: int | None = Field(default=None, foreign_key="annotation.pk")
    before: dict[str, Any] = _json()
    after: dict[str, Any] = _json()
    # Who did it: the database role on PostgreSQL (a policy holds it to session_user), else the
    # claimed name. None on events written before actors were recorded.
    actor: str | None = None


class GoldStale(SQLModel, table=True):
    """A document whose derived gold a coder's change made stale, where the coder may not write gold
    (PostgreSQL, a coder's role): the next lead's `gold`, review or export derives it again."""
    __tablename__ = "gold_stale"
    document_pk: int = Field(foreign_key="document.pk", ondelete="CASCADE", primary_key=True)


class CoderToken(SQLModel, table=True):
    """A coder's access token for `annotator serve`, kept only as its hash; revoked, it admits no one."""
    __tablename__ = "coder_token"
    pk: int | None = Field(default=None, primary_key=True)
    coder_pk: int = Field(foreign_key="coder.pk", ondelete="CASCADE", index=True)
    token_hash: str = Field(unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None
    made_by: str | None = None  # the lead who made it: taking their lead role back revokes it


class SuggestProgress(SQLModel, table=True):
    """Every document with a key up to `through` has a suggestion from this model version:
    `suggest` starts after it instead of walking the documents already done."""
    __tablename__ = "suggest_progress"
    model: str = Field(primary_key=True)
    version: str = Field(primary_key=True)
    through: int = 0


class SuggestClaim(SQLModel, table=True):
    """A `suggest` run has taken this document for this model version until `until`: other runs,
    on this machine or another, leave it alone. A run that dies leaves its claims to expire."""
    __tablename__ = "suggest_claim"
    document_pk: int = Field(foreign_key="document.pk", ondelete="CASCADE", primary_key=True)
    model: str = Field(primary_key=True)
    version: str = Field(primary_key=True)
    run: str
    until: datetime


class DocumentLease(SQLModel, table=True):
    """A coder has a single-coded document (assigned to one coder) open: until `until`, it is
    served to no one else; renewed by each of their saves, given up when they move on."""
    __tablename__ = "document_lease"
    document_pk: int = Field(foreign_key="document.pk", ondelete="CASCADE", primary_key=True)
    coder_pk: int = Field(foreign_key="coder.pk", ondelete="CASCADE")
    until: datetime


class ModelVersion(SQLModel, table=True):
    """A model `annotator train` saved for this project: what it learned from and how it scored on
    the held-out gold documents."""
    __tablename__ = "model_version"
    __table_args__ = (UniqueConstraint("name", "version"), one_of("task", MODEL_TASKS))
    pk: int | None = Field(default=None, primary_key=True)
    name: str  # what its suggestions are tagged with: the folder's name
    version: str
    task: str
    base: str  # the pipeline it was trained from, "name version"
    path: str  # where it was saved
    train_documents: int
    held_out_documents: int
    score: float | None = None  # on the held-out documents: stance macro F1, entity exact-span F1
    score_in_use: float | None = None  # the model in use then, on the same documents
    in_use_then: str | None = None  # which model that was ("name version", or the cold start)
    created_at: datetime = Field(default_factory=utcnow)


class ModelInUse(SQLModel, table=True):
    """Per task, the model version whose suggestions the coding screen shows."""
    __tablename__ = "model_in_use"
    __table_args__ = (one_of("task", MODEL_TASKS),)
    task: str = Field(primary_key=True)
    name: str
    version: str
    chosen_by: str | None = None  # a lead's `models use`; None: `train` or `suggest` chose it
    chosen_at: datetime = Field(default_factory=utcnow)


class Tally(SQLModel, table=True):
    """Counts kept in step with the rows they count, by triggers in the same transaction as each
    write (store/tally_triggers.py): `status`, the dashboard and "done today" read a few of these
    rows instead of aggregating a million. coder_pk 0: counts of the whole project."""
    __tablename__ = "tally"
    kind: str = Field(primary_key=True)  # what is counted (store/tally.py names each)
    coder_pk: int = Field(default=0, primary_key=True)
    key: str = Field(default="", primary_key=True)
    label: str = Field(default="", primary_key=True)
    n: int = Field(default=0, sa_type=BigInteger)
    total: float = 0.0  # a sum beside the count (seconds, disputed items, overlap places)
