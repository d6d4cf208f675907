"""Knowledge upkeep for supervisors: the questions the bot could not answer (or answered with
low confidence), grouped by meaning with counts and the customers' mood; writing or editing a
Q&A pair and publishing it. The action server lays published articles over the built index
within seconds (``retrieval.live``), so the next customer who asks gets the new answer without
a restart. Routes and roles: ``console.staff_api.ROUTES``."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from console.console_context import ConsoleContext
from console.staff_auth import SignedIn
from retrieval.gap_groups import group_gaps
from retrieval.knowledge_store import Article, KnowledgeStore, check_article
from shopdesk.errors import InvalidRequestError, NotFoundError, StoreUnavailableError

ARTICLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,119}")
GROUPS_SHOWN = 50


def gap_ids(body: dict[str, Any]) -> list[int]:
    ids = body.get("gap_ids") or []
    if not isinstance(ids, list) or len(ids) > 5000 or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise InvalidRequestError("gap_ids must be a list of question ids")
    return ids


def knowledge_handlers(ctx: ConsoleContext) -> dict[tuple[str, str], Any]:
    def store() -> KnowledgeStore:
        if ctx.knowledge is None:
            raise StoreUnavailableError("no knowledge store")
        return ctx.knowledge

    def pair_json(pair_id: str) -> dict[str, str] | None:
        pair = ctx.assistant.pair(pair_id) if pair_id else None
        return None if pair is None else {"id": pair.id, "question": pair.question,
                                          "answer": pair.answer, "category": pair.category}

    def overview(_: Request, signed_in: SignedIn) -> Response:
        groups = group_gaps(store().gaps(limit=2000))
        shown = []
        for group in groups[:GROUPS_SHOWN]:
            item = group.to_json()
            item["nearest"] = pair_json(str(item["nearest_id"]))
            shown.append(item)
        articles = store().articles(include_retired=True)
        ctx.audit_read_once(signed_in, "read_knowledge", "")
        return JSONResponse({"groups": shown, "open_questions": sum(len(g.gaps) for g in groups),
                             "articles": [a.to_json() for a in articles]})

    def search(request: Request, signed_in: SignedIn) -> Response:
        text = request.query_params.get("q", "")[:300]
        if not text.strip():
            return JSONResponse({"pairs": []})
        return JSONResponse({"pairs": [
            {"id": p.id, "question": p.question, "answer": p.answer, "category": p.category}
            for p in ctx.assistant.search(text, k=8) if not p.id.startswith("agent-")]})

    async def publish(request: Request, signed_in: SignedIn) -> Response:
        body = await ctx.body_of(request)
        question, answer, category = check_article(body.get("question"), body.get("answer"),
                                                   body.get("category") or "")
        given = body.get("id")
        if given in (None, ""):
            article_id = f"kb-{uuid.uuid4().hex[:10]}"
        elif not isinstance(given, str) or not ARTICLE_ID.fullmatch(given):
            raise InvalidRequestError("id must be the id of the answer you are editing")
        elif given.startswith("agent-") or (ctx.assistant.pair(given) is None and given not in {
                a.id for a in store().articles(include_retired=True)}):
            raise NotFoundError(f"there is no answer {given[:40]!r} to edit")
        else:
            article_id = given
        ids = gap_ids(body)
        now = ctx.clock()
        article = await asyncio.to_thread(store().publish, Article(
            article_id, question, answer, category, signed_in.account.username, now))
        answered = await asyncio.to_thread(store().resolve_gaps, ids, article.id, now)
        ctx.auth.audit(signed_in, "publish_article", article.id,
                       f"revision {article.revision}; answers {answered} question(s)")
        return JSONResponse({"article": article.to_json(), "answered_questions": answered},
                            status_code=201)

    def retire(request: Request, signed_in: SignedIn) -> Response:
        article_id = request.path_params["article_id"]
        if not ARTICLE_ID.fullmatch(article_id):
            raise InvalidRequestError("not an article id")
        article = store().retire(article_id, ctx.clock())
        ctx.auth.audit(signed_in, "retire_article", article.id)
        return JSONResponse({"article": article.to_json()})

    async def dismiss(request: Request, signed_in: SignedIn) -> Response:
        ids = gap_ids(await ctx.body_of(request))
        changed = await asyncio.to_thread(store().resolve_gaps, ids, "", ctx.clock())
        ctx.auth.audit(signed_in, "dismiss_questions", "", f"{changed} question(s)")
        return JSONResponse({"dismissed": changed})

    return {
        ("GET", "/console/api/knowledge"): overview,
        ("GET", "/console/api/knowledge/search"): search,
        ("POST", "/console/api/knowledge/articles"): publish,
        ("POST", "/console/api/knowledge/articles/{article_id}/retire"): retire,
        ("POST", "/console/api/knowledge/gaps/dismiss"): dismiss,
    }
