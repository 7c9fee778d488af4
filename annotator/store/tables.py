"""The project database's tables as SQLAlchemy Core: the store's SQL is written with these.

Written by `python -m annotator.store.schema_code` from the SQLModel classes of schema.py (the
definition migrations are compared with): do not edit by hand; a test fails when they differ.
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from annotator.store.column_types import UTCDateTime

metadata = sa.MetaData()


def utcnow() -> datetime:
    return datetime.now(UTC)


CodebookRow = sa.Table(
    'codebook', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(), nullable=False),
    sa.Column('source', sa.String(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    sa.Index('ix_codebook_hash', 'hash', unique=False),
)


Document = sa.Table(
    'document', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('id', sa.String(), nullable=False, unique=True),
    sa.Column('title', sa.String(), nullable=False, default=''),
    sa.Column('text', sa.String(), nullable=False),
    sa.Column('meta', sa.JSON(), nullable=False),
    sa.Column('text_hash', sa.String(), nullable=False, unique=True),
    sa.Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    sa.Column('token_count', sa.Integer(), nullable=True),
    sa.Column('shuffle', sa.Integer(), nullable=False, default=0, server_default='0'),
    sa.Column('certainty', sa.Float(), nullable=False, default=2.0, server_default='2.0'),
    sa.Column('blind', sa.Boolean(), nullable=False, default=False, server_default='0'),
    sa.Column('seq', sa.Integer(), nullable=False, default=0, server_default='0'),
    sa.Index('ix_document_certainty', 'certainty', 'pk', unique=False),
    sa.Index('ix_document_seq', 'seq', unique=True),
    sa.Index('ix_document_shuffle', 'shuffle', 'pk', unique=False),
)


ModelInUse = sa.Table(
    'model_in_use', metadata,
    sa.Column('task', sa.String(), primary_key=True, nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('version', sa.String(), nullable=False),
    sa.Column('chosen_by', sa.String(), nullable=True),
    sa.Column('chosen_at', UTCDateTime(), nullable=False, default=utcnow),
    sa.CheckConstraint('"task" IN (\'stance\', \'entities\')', name='task_valid'),
)


ModelVersion = sa.Table(
    'model_version', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('name', sa.String(), nullable=False),
    sa.Column('version', sa.String(), nullable=False),
    sa.Column('task', sa.String(), nullable=False),
    sa.Column('base', sa.String(), nullable=False),
    sa.Column('path', sa.String(), nullable=False),
    sa.Column('train_documents', sa.Integer(), nullable=False),
    sa.Column('held_out_documents', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('score_in_use', sa.Float(), nullable=True),
    sa.Column('in_use_then', sa.String(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    sa.UniqueConstraint('name', 'version'),
    sa.CheckConstraint('"task" IN (\'stance\', \'entities\')', name='task_valid'),
)


SuggestProgress = sa.Table(
    'suggest_progress', metadata,
    sa.Column('model', sa.String(), primary_key=True, nullable=False),
    sa.Column('version', sa.String(), primary_key=True, nullable=False),
    sa.Column('through', sa.Integer(), nullable=False, default=0),
)


Tally = sa.Table(
    'tally', metadata,
    sa.Column('kind', sa.String(), primary_key=True, nullable=False),
    sa.Column('coder_pk', sa.Integer(), primary_key=True, nullable=False, default=0),
    sa.Column('key', sa.String(), primary_key=True, nullable=False, default=''),
    sa.Column('label', sa.String(), primary_key=True, nullable=False, default=''),
    sa.Column('n', sa.BigInteger(), nullable=False, default=0),
    sa.Column('total', sa.Float(), nullable=False, default=0.0),
)


Coder = sa.Table(
    'coder', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('name', sa.String(), nullable=False, unique=True),
    sa.Column('role', sa.String(), nullable=False, default='coder'),
    sa.Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    sa.Column('last_document_pk', sa.Integer(), sa.ForeignKey('document.pk', ondelete='SET NULL'), nullable=True),
    sa.Column('finished_through_pk', sa.Integer(), nullable=False, default=0, server_default='0'),
    sa.Column('finished_through_position', sa.Integer(), nullable=False, default=0, server_default='0'),
    sa.CheckConstraint('"role" IN (\'coder\', \'lead\')', name='role_valid'),
)


Gold = sa.Table(
    'gold', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('document_pk', sa.Integer(), sa.ForeignKey('document.pk', ondelete='CASCADE'), nullable=False, unique=True),
    sa.Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    sa.Column('updated_at', UTCDateTime(), nullable=False, default=utcnow),
    sa.Column('min_agreement', sa.Integer(), nullable=True),
    sa.Column('disputed', sa.Integer(), nullable=False, default=0, server_default='0'),
    sa.Column('derived_digest', sa.String(), nullable=True),
    sa.Column('annotators', sa.JSON(), nullable=False, server_default='[]'),
    sa.Column('adjudication', sa.String(), nullable=True),
)


GoldStale = sa.Table(
    'gold_stale', metadata,
    sa.Column('document_pk', sa.Integer(), sa.ForeignKey('document.pk', ondelete='CASCADE'), primary_key=True, nullable=False),
)


SuggestClaim = sa.Table(
    'suggest_claim', metadata,
    sa.Column('document_pk', sa.Integer(), sa.ForeignKey('document.pk', ondelete='CASCADE'), primary_key=True, nullable=False),
    sa.Column('model', sa.String(), primary_key=True, nullable=False),
    sa.Column('version', sa.String(), primary_key=True, nullable=False),
    sa.Column('run', sa.String(), nullable=False),
    sa.Column('until', UTCDateTime(), nullable=False),
)


Suggestion = sa.Table(
    'suggestion', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('document_pk', sa.Integer(), sa.ForeignKey('document.pk', ondelete='CASCADE'), nullable=False),
    sa.Column('model', sa.String(), nullable=False),
    sa.Column('version', sa.String(), nullable=False),
    sa.Column('spans', sa.JSON(), nullable=False),
    sa.Column('stances', sa.JSON(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    sa.UniqueConstraint('document_pk', 'model', 'version'),
    sa.Index('ix_suggestion_model_document', 'model', 'version', 'document_pk', unique=False),
)


Annotation = sa.Table(
    'annotation', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('document_pk', sa.Integer(), sa.ForeignKey('document.pk', ondelete='CASCADE'), nullable=False),
    sa.Column('coder_pk', sa.Integer(), sa.ForeignKey('coder.pk'), nullable=False),
    sa.Column('status', sa.String(), nullable=False, default='draft'),
    sa.Column('seconds', sa.Float(), nullable=False, default=0.0),
    sa.Column('suggestions_shown', sa.Boolean(), nullable=False, default=False),
    sa.Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    sa.Column('updated_at', UTCDateTime(), nullable=False, default=utcnow),
    sa.Column('entity_model', sa.String(), nullable=True),
    sa.Column('stance_model', sa.String(), nullable=True),
    sa.UniqueConstraint('document_pk', 'coder_pk'),
    sa.CheckConstraint('"status" IN (\'draft\', \'done\', \'skipped\')', name='status_valid'),
    sa.Index('ix_annotation_coder_status_updated', 'coder_pk', 'status', 'updated_at', unique=False),
)


Assignment = sa.Table(
    'assignment', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('document_pk', sa.Integer(), sa.ForeignKey('document.pk', ondelete='CASCADE'), nullable=False),
    sa.Column('coder_pk', sa.Integer(), sa.ForeignKey('coder.pk'), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('overlap', sa.Boolean(), nullable=False, default=False),
    sa.Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    sa.UniqueConstraint('document_pk', 'coder_pk'),
    sa.Index('ix_assignment_coder_position', 'coder_pk', 'position', unique=False),
)


CoderToken = sa.Table(
    'coder_token', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('coder_pk', sa.Integer(), sa.ForeignKey('coder.pk', ondelete='CASCADE'), nullable=False),
    sa.Column('token_hash', sa.String(), nullable=False, unique=True),
    sa.Column('created_at', UTCDateTime(), nullable=False, default=utcnow),
    sa.Column('revoked_at', UTCDateTime(), nullable=True),
    sa.Column('made_by', sa.String(), nullable=True),
    sa.Index('ix_coder_token_coder_pk', 'coder_pk', unique=False),
)


DocumentLease = sa.Table(
    'document_lease', metadata,
    sa.Column('document_pk', sa.Integer(), sa.ForeignKey('document.pk', ondelete='CASCADE'), primary_key=True, nullable=False),
    sa.Column('coder_pk', sa.Integer(), sa.ForeignKey('coder.pk', ondelete='CASCADE'), nullable=False),
    sa.Column('until', UTCDateTime(), nullable=False),
)


GoldAdjudication = sa.Table(
    'gold_adjudication', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('gold_pk', sa.Integer(), sa.ForeignKey('gold.pk', ondelete='CASCADE'), nullable=False),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False, default=0),
    sa.Column('end', sa.Integer(), nullable=False, default=0),
    sa.Column('target', sa.String(), nullable=True),
    sa.Column('by_coder_pk', sa.Integer(), sa.ForeignKey('coder.pk'), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False, default=utcnow),
    sa.CheckConstraint('"kind" IN (\'span\', \'stance\')', name='kind_valid'),
    sa.Index('ix_gold_adjudication_gold_pk', 'gold_pk', unique=False),
)


GoldSpan = sa.Table(
    'gold_span', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('gold_pk', sa.Integer(), sa.ForeignKey('gold.pk', ondelete='CASCADE'), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(), nullable=False),
    sa.Column('how', sa.String(), nullable=False),
    sa.Column('by_coder_pk', sa.Integer(), sa.ForeignKey('coder.pk'), nullable=True),
    sa.CheckConstraint('"how" IN (\'unanimous\', \'majority\', \'adjudicated\')', name='how_valid'),
    sa.Index('ix_gold_span_gold_pk', 'gold_pk', unique=False),
)


GoldStance = sa.Table(
    'gold_stance', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('gold_pk', sa.Integer(), sa.ForeignKey('gold.pk', ondelete='CASCADE'), nullable=False),
    sa.Column('target', sa.String(), nullable=False),
    sa.Column('label', sa.String(), nullable=False),
    sa.Column('how', sa.String(), nullable=False),
    sa.Column('by_coder_pk', sa.Integer(), sa.ForeignKey('coder.pk'), nullable=True),
    sa.UniqueConstraint('gold_pk', 'target'),
    sa.CheckConstraint('"how" IN (\'unanimous\', \'majority\', \'adjudicated\')', name='how_valid'),
)


AnnotationSpan = sa.Table(
    'annotation_span', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('annotation_pk', sa.Integer(), sa.ForeignKey('annotation.pk', ondelete='CASCADE'), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(), nullable=False),
    sa.Column('origin', sa.String(), nullable=False, default='added'),
    sa.Column('aligned', sa.Boolean(), nullable=False, default=True),
    sa.Column('source_start', sa.Integer(), nullable=True),
    sa.Column('source_end', sa.Integer(), nullable=True),
    sa.Column('source_label', sa.String(), nullable=True),
    sa.CheckConstraint('"origin" IN (\'accepted\', \'changed\', \'added\', \'imported\')', name='origin_valid'),
    sa.Index('ix_annotation_span_items', 'annotation_pk', 'start', 'end', 'label', unique=False),
)


AnnotationStance = sa.Table(
    'annotation_stance', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('annotation_pk', sa.Integer(), sa.ForeignKey('annotation.pk', ondelete='CASCADE'), nullable=False),
    sa.Column('target', sa.String(), nullable=False),
    sa.Column('label', sa.String(), nullable=False),
    sa.Column('origin', sa.String(), nullable=False, default='added'),
    sa.Column('source_label', sa.String(), nullable=True),
    sa.UniqueConstraint('annotation_pk', 'target'),
    sa.CheckConstraint('"origin" IN (\'accepted\', \'changed\', \'added\', \'imported\')', name='origin_valid'),
    sa.Index('ix_annotation_stance_items', 'annotation_pk', 'target', 'label', unique=False),
)


Event = sa.Table(
    'event', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False, default=utcnow),
    sa.Column('coder_pk', sa.Integer(), sa.ForeignKey('coder.pk'), nullable=True),
    sa.Column('kind', sa.String(), nullable=False),
    sa.Column('document_pk', sa.Integer(), sa.ForeignKey('document.pk'), nullable=True),
    sa.Column('annotation_pk', sa.Integer(), sa.ForeignKey('annotation.pk'), nullable=True),
    sa.Column('before', sa.JSON(), nullable=False),
    sa.Column('after', sa.JSON(), nullable=False),
    sa.Column('actor', sa.String(), nullable=True),
    sa.Index('ix_event_document', 'document_pk', unique=False),
)


StanceDecision = sa.Table(
    'stance_decision', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('annotation_pk', sa.Integer(), sa.ForeignKey('annotation.pk', ondelete='CASCADE'), nullable=False),
    sa.Column('target', sa.String(), nullable=False),
    sa.Column('label', sa.String(), nullable=False),
    sa.Column('decision', sa.String(), nullable=False),
    sa.UniqueConstraint('annotation_pk', 'target', 'label'),
    sa.CheckConstraint('"decision" IN (\'accepted\', \'changed\', \'rejected\')', name='decision_valid'),
)


SuggestionDecision = sa.Table(
    'suggestion_decision', metadata,
    sa.Column('pk', sa.Integer(), primary_key=True, nullable=False),
    sa.Column('annotation_pk', sa.Integer(), sa.ForeignKey('annotation.pk', ondelete='CASCADE'), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(), nullable=False),
    sa.Column('decision', sa.String(), nullable=False),
    sa.CheckConstraint('"decision" IN (\'accepted\', \'changed\', \'rejected\')', name='decision_valid'),
    sa.Index('ix_suggestion_decision_annotation_pk', 'annotation_pk', unique=False),
)
