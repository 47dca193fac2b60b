"""HTTP endpoints of the transfers domain."""

from fastapi import Request, Response, status

from inkwell.auth.dependencies import Payer, Reader
from inkwell.core.http.dependencies import ReadSessionDep, SessionDep
from inkwell.core.http.paging import PageDep, link_headers
from inkwell.core.http.problems import problem_responses
from inkwell.core.http.responses import respond
from inkwell.core.http.routing import ExactNumbersRoute, Router
from inkwell.core.schemas import render
from inkwell.idempotency.dependencies import IdempotencyDep
from inkwell.transfers import service
from inkwell.transfers.schemas import TRANSFER, TRANSFERS, TransferCreate, TransferRead

router = Router(prefix="/transfers", tags=["transfers"], route_class=ExactNumbersRoute)


@router.post(
    "/",
    status_code=status.HTTP_201_CREATED,
    response_model=TransferRead,
    summary="Send credits",
    responses=problem_responses(401, 404, 409, 422),
)
async def create_transfer(
    data: TransferCreate,
    caller: Payer,
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """Move credits from your account to another, atomically, with a ledger row.
    Insufficient credits give 409, an unknown recipient 404, yourself or an inactive
    recipient 422; nothing changes on any error. Send an `Idempotency-Key` to retry
    safely."""

    async def work() -> bytes:
        moved = await service.transfer(
            session, sender_id=caller.id, to_user_id=data.to_user_id, amount=data.amount
        )
        return render(TRANSFER, moved)

    return await idempotency.run(
        user_id=caller.id,
        operation="POST /transfers/",
        request=data,
        status_code=status.HTTP_201_CREATED,
        work=work,
    )


@router.get(
    "/",
    response_model=list[TransferRead],
    summary="List your transfers",
    responses=problem_responses(401, 422),
)
async def list_transfers(
    request: Request, caller: Reader, session: ReadSessionDep, page: PageDep
) -> Response:
    """Credits you sent and received (and your starting grant), newest first. Page
    with `skip`, or follow the absolute, percent-encoded URL of the `Link: rel="next"`
    header (by `cursor`)."""
    rows = await service.list_for(session, caller.id, page=page)
    return respond(TRANSFERS, rows, headers=link_headers(request, page.following(rows)))
