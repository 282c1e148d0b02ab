"""Proposals of discovery and the decisions on them (through :mod:`convosift.themes.curation`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends

from convosift.api.auth import require_token
from convosift.api.context import AppContext, get_context
from convosift.api.schemas import AcceptRequest, MergeRequest, RenameRequest
from convosift.themes import curation
from convosift.themes.proposals import open_proposals

router = APIRouter(prefix="/api/proposals", tags=["proposals"])


@router.get("")
def list_proposals(context: AppContext = Depends(get_context)) -> dict[str, Any]:
    """Open proposals, biggest first: size, key phrases, quotes, weekly counts, sample conversations."""
    return open_proposals(context.store())


@router.post("/{proposal_id}/accept", name="accept_proposal", dependencies=[Depends(require_token)])
def accept(
    proposal_id: str,
    body: AcceptRequest | None = Body(None),
    context: AppContext = Depends(get_context),
) -> dict[str, Any]:
    """Make the proposal an active theme; its conversations are matched to it."""
    chosen = body or AcceptRequest()
    curator = curation.curator_for(context.settings, context.store())
    curation.open_proposal(context.store(), proposal_id)
    return curator.accept(proposal_id, signature=chosen.signature, title=chosen.title).to_dict()


@router.post("/{proposal_id}/rename", name="rename_proposal", dependencies=[Depends(require_token)])
def rename(
    proposal_id: str, body: RenameRequest, context: AppContext = Depends(get_context)
) -> dict[str, Any]:
    """Give the proposal another title and/or suggested signature."""
    curator = curation.curator_for(context.settings, context.store())
    return curator.rename_proposal(proposal_id, title=body.title, signature=body.signature).to_dict()


@router.post("/{proposal_id}/merge", name="merge_proposal", dependencies=[Depends(require_token)])
def merge(proposal_id: str, body: MergeRequest, context: AppContext = Depends(get_context)) -> dict[str, Any]:
    """Fold the proposal's conversations into an active theme."""
    curator = curation.curator_for(context.settings, context.store())
    curation.open_proposal(context.store(), proposal_id)
    return curator.merge(proposal_id, body.into).to_dict()


@router.post("/{proposal_id}/dismiss", name="dismiss_proposal", dependencies=[Depends(require_token)])
def dismiss(proposal_id: str, context: AppContext = Depends(get_context)) -> dict[str, Any]:
    """Close the proposal without a theme; its conversations stay unmatched, and its quotes keep
    teaching the theme matcher what the vocabulary's themes are not."""
    return curation.curator_for(context.settings, context.store()).dismiss(proposal_id).to_dict()


@router.post("/{proposal_id}/reopen", name="reopen_proposal", dependencies=[Depends(require_token)])
def reopen(proposal_id: str, context: AppContext = Depends(get_context)) -> dict[str, Any]:
    """Open a dismissed proposal again, as it was proposed."""
    return curation.curator_for(context.settings, context.store()).reopen(proposal_id).to_dict()
