"""Workflow engine: YAML-defined states and transitions, and who may fire them (no Flask here)."""

from __future__ import annotations

from portal.workflow.engine import (
    COMMENT,
    MAX_COMMENT_LENGTH,
    Actor,
    HistoryEntry,
    InputsRefused,
    Outcome,
    TransitionRefused,
    apply_transition,
    available_transitions,
)
from portal.workflow.loader import load_workflow, load_workflows
from portal.workflow.model import (
    ApplicantNotice,
    ButtonStyle,
    Clock,
    CommentAudience,
    CommentRule,
    Condition,
    Effect,
    Numbering,
    State,
    Transition,
    WorkflowDefinition,
)

__all__ = [
    "COMMENT",
    "MAX_COMMENT_LENGTH",
    "Actor",
    "ApplicantNotice",
    "ButtonStyle",
    "Clock",
    "CommentAudience",
    "CommentRule",
    "Condition",
    "Effect",
    "HistoryEntry",
    "InputsRefused",
    "Numbering",
    "Outcome",
    "State",
    "Transition",
    "TransitionRefused",
    "WorkflowDefinition",
    "apply_transition",
    "available_transitions",
    "load_workflow",
    "load_workflows",
]
