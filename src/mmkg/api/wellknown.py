"""/.well-known/void: the VoID description of the dataset."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from mmkg.api.deps import served_graph
from mmkg.api.negotiation import GRAPH_TYPES, NotAcceptable, choose
from mmkg.api.responses import format_parameter, media, text_errors
from mmkg.service import void_description

router = APIRouter(tags=["dataset"])


@router.get("/.well-known/void", summary="VoID description of the dataset", response_class=Response,
            responses={200: {"description": "the VoID description, in the negotiated format",
                             "content": media(GRAPH_TYPES)},
                       **text_errors({406: "none of the formats asked for is available"})},
            openapi_extra={"parameters": [format_parameter(GRAPH_TYPES, graph=True)]})
def void(request: Request) -> Response:
    try:
        media = choose(GRAPH_TYPES, request.headers.get("accept"), request.query_params.getlist("format"), graph=True)
    except NotAcceptable as exc:
        return PlainTextResponse(str(exc) + "\n", status_code=406)
    served = served_graph(request)
    body = void_description(served.store, served.triples, served.graphs, str(request.base_url), media)
    return Response(body, media_type=media)
