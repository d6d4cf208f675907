"""``StoreRepository`` on SQLAlchemy (SQLite by default, PostgreSQL at scale)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from commerce.records import (
    FeedbackEntry,
    HandoffTicket,
    Order,
    OrderItem,
    OrderStatus,
    PaymentStatus,
    Photo,
    Product,
    Rating,
    ReturnRequest,
    Shipment,
)
from commerce.sql_models import (
    Base,
    CustomerRow,
    FeedbackRow,
    HandoffRow,
    HandoffWaitRow,
    OrderRow,
    PhotoRow,
    ProductRow,
    RatingRow,
    ReturnRow,
)
from shopdesk.clock import aware as _aware  # SQLite drops tzinfo; we store UTC
from shopdesk.errors import NotFoundError, StoreUnavailableError

T = TypeVar("T")


def _order(row: OrderRow) -> Order:
    shipment = None
    if row.shipment is not None:
        s = row.shipment
        shipment = Shipment(
            carrier=s.carrier,
            tracking_number=s.tracking_number,
            status=s.status,
            shipped_on=s.shipped_on,
            estimated_delivery=s.estimated_delivery,
            delivered_on=s.delivered_on,
            last_event=s.last_event,
        )
    return Order(
        number=row.number,
        customer_email=row.customer.email,
        customer_name=row.customer.name,
        status=OrderStatus(row.status),
        placed_at=_aware(row.placed_at),
        shipping_address=row.shipping_address,
        total_cents=row.total_cents,
        payment_status=PaymentStatus(row.payment_status),
        payment_method=row.payment_method,
        payment_note=row.payment_note,
        items=tuple(
            OrderItem(
                sku=i.sku,
                name=i.name,
                quantity=i.quantity,
                unit_price_cents=i.unit_price_cents,
                size=i.size,
                colour=i.colour,
            )
            for i in row.items
        ),
        shipment=shipment,
    )


def _return(row: ReturnRow) -> ReturnRequest:
    return ReturnRequest(
        rma=row.rma,
        order_number=row.order_number,
        sku=row.sku,
        item_name=row.item_name,
        reason=row.reason,
        refund_cents=row.refund_cents,
        created_at=_aware(row.created_at),
        status=row.status,
    )


def _handoff(row: HandoffRow) -> HandoffTicket:
    return HandoffTicket(
        ticket=row.ticket,
        sender_id=row.sender_id,
        reason=row.reason,
        summary=row.summary,
        created_at=_aware(row.created_at),
        status=row.status,
    )


class SqlStoreRepository:
    """Reads and writes the store tables through short transactions."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def create_schema(self) -> None:
        self._run(lambda _s: Base.metadata.create_all(self._engine))

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    def _run(self, work: Callable[[Session], T]) -> T:
        try:
            with self._session() as session:
                return work(session)
        except OperationalError as e:
            raise StoreUnavailableError(f"store database unavailable: {e.orig!r}") from e
        except NotFoundError:
            raise
        except SQLAlchemyError as e:
            raise StoreUnavailableError(f"store database error: {type(e).__name__}") from e

    @staticmethod
    def _order_query():  # type: ignore[no-untyped-def]
        return select(OrderRow).options(
            selectinload(OrderRow.items),
            selectinload(OrderRow.shipment),
            selectinload(OrderRow.customer),
        )

    def get_order(self, number: str) -> Order | None:
        def work(s: Session) -> Order | None:
            row = s.scalars(self._order_query().where(OrderRow.number == number)).first()
            return _order(row) if row else None

        return self._run(work)

    def orders_for_email(self, email: str) -> list[Order]:
        def work(s: Session) -> list[Order]:
            q = (
                self._order_query()
                .join(OrderRow.customer)
                .where(func.lower(CustomerRow.email) == email.strip().lower())
                .order_by(OrderRow.placed_at.desc())
            )
            return [_order(r) for r in s.scalars(q)]

        return self._run(work)

    def _update_order(self, number: str, **values: str) -> Order:
        def work(s: Session) -> Order:
            row = s.scalars(
                self._order_query().where(OrderRow.number == number).with_for_update()
            ).first()
            if row is None:
                raise NotFoundError(f"order {number} does not exist")
            for key, value in values.items():
                setattr(row, key, value)
            s.flush()
            return _order(row)

        return self._run(work)

    def set_order_status(self, number: str, status: OrderStatus) -> Order:
        return self._update_order(number, status=status.value)

    def set_shipping_address(self, number: str, address: str) -> Order:
        return self._update_order(number, shipping_address=address)

    def add_return(self, request: ReturnRequest) -> ReturnRequest:
        def work(s: Session) -> ReturnRequest:
            s.add(
                ReturnRow(
                    rma=request.rma,
                    order_number=request.order_number,
                    sku=request.sku,
                    item_name=request.item_name,
                    reason=request.reason,
                    refund_cents=request.refund_cents,
                    created_at=request.created_at,
                    status=request.status,
                )
            )
            return request

        return self._run(work)

    def returns_for_order(self, number: str) -> list[ReturnRequest]:
        def work(s: Session) -> list[ReturnRequest]:
            rows = s.scalars(
                select(ReturnRow).where(ReturnRow.order_number == number).order_by(ReturnRow.rma)
            )
            return [_return(r) for r in rows]

        return self._run(work)

    def list_products(self) -> list[Product]:
        def work(s: Session) -> list[Product]:
            rows = s.scalars(select(ProductRow).order_by(ProductRow.sku))
            return [
                Product(
                    sku=r.sku,
                    name=r.name,
                    category=r.category,
                    price_cents=r.price_cents,
                    description=r.description,
                    sizes=tuple(r.sizes or ()),
                    colours=tuple(r.colours or ()),
                    stock=r.stock,
                    features=tuple(r.features or ()),
                )
                for r in rows
            ]

        return self._run(work)

    def add_handoff(self, ticket: HandoffTicket) -> HandoffTicket:
        def work(s: Session) -> HandoffTicket:
            s.add(
                HandoffRow(
                    ticket=ticket.ticket,
                    sender_id=ticket.sender_id,
                    reason=ticket.reason,
                    summary=ticket.summary,
                    created_at=ticket.created_at,
                    status=ticket.status,
                )
            )
            return ticket

        return self._run(work)

    def handoffs_for_sender(self, sender_id: str) -> list[HandoffTicket]:
        def work(s: Session) -> list[HandoffTicket]:
            rows = s.scalars(
                select(HandoffRow)
                .where(HandoffRow.sender_id == sender_id)
                .order_by(HandoffRow.created_at)
            )
            return [_handoff(r) for r in rows]

        return self._run(work)

    def set_handoff_status(self, ticket: str, status: str) -> HandoffTicket:
        def work(s: Session) -> HandoffTicket:
            row = s.get(HandoffRow, ticket)
            if row is None:
                raise NotFoundError(f"no handoff ticket {ticket}")
            row.status = status
            s.flush()
            return _handoff(row)

        return self._run(work)

    def handoffs_since(self, since: datetime) -> list[HandoffTicket]:
        def work(s: Session) -> list[HandoffTicket]:
            rows = s.scalars(select(HandoffRow).where(HandoffRow.created_at >= since)
                             .order_by(HandoffRow.created_at, HandoffRow.ticket))
            return [_handoff(r) for r in rows]

        return self._run(work)

    def open_handoffs(self) -> list[HandoffTicket]:
        def work(s: Session) -> list[HandoffTicket]:
            rows = s.scalars(select(HandoffRow).where(HandoffRow.status == "queued")
                             .order_by(HandoffRow.created_at, HandoffRow.ticket))
            return [_handoff(r) for r in rows]

        return self._run(work)

    def mark_handoff_claimed(self, ticket: str, at: datetime) -> None:
        def work(s: Session) -> None:
            row = s.get(HandoffRow, ticket)
            if row is None:
                raise NotFoundError(f"no handoff ticket {ticket}")
            if s.get(HandoffWaitRow, ticket) is None:
                s.add(HandoffWaitRow(ticket=ticket, created_at=row.created_at, claimed_at=at))

        self._run(work)

    def handoff_waits(self, since: datetime) -> list[tuple[datetime, datetime]]:
        def work(s: Session) -> list[tuple[datetime, datetime]]:
            rows = s.scalars(select(HandoffWaitRow).where(HandoffWaitRow.created_at >= since)
                             .order_by(HandoffWaitRow.created_at, HandoffWaitRow.ticket))
            return [(_aware(r.created_at), _aware(r.claimed_at)) for r in rows]

        return self._run(work)

    def add_feedback(self, sender_id: str, kind: str, text: str,
                     created_at: datetime) -> FeedbackEntry:
        def work(s: Session) -> FeedbackEntry:
            row = FeedbackRow(sender_id=sender_id, kind=kind, text=text, created_at=created_at)
            s.add(row)
            s.flush()
            return FeedbackEntry(
                id=row.id,
                sender_id=row.sender_id,
                kind=row.kind,
                text=row.text,
                created_at=_aware(row.created_at),
            )

        return self._run(work)

    def feedback_for_sender(self, sender_id: str) -> list[FeedbackEntry]:
        def work(s: Session) -> list[FeedbackEntry]:
            rows = s.scalars(
                select(FeedbackRow).where(FeedbackRow.sender_id == sender_id).order_by(FeedbackRow.id)
            )
            return [
                FeedbackEntry(
                    id=r.id,
                    sender_id=r.sender_id,
                    kind=r.kind,
                    text=r.text,
                    created_at=_aware(r.created_at),
                )
                for r in rows
            ]

        return self._run(work)

    def add_rating(self, rating: Rating) -> Rating:
        def work(s: Session) -> Rating:
            row = RatingRow(sender_id=rating.sender_id, score=rating.score,
                            created_at=rating.created_at, agent=rating.agent, topic=rating.topic,
                            comment=rating.comment)
            s.add(row)
            s.flush()
            return _rating(row)

        return self._run(work)

    def set_rating_comment(self, rating_id: int, comment: str) -> None:
        self._run(lambda s: s.execute(update(RatingRow).where(RatingRow.id == rating_id)
                                      .values(comment=comment)))

    def ratings(self, since: datetime | None = None) -> list[Rating]:
        def work(s: Session) -> list[Rating]:
            query = select(RatingRow).order_by(RatingRow.created_at, RatingRow.id)
            if since is not None:
                query = query.where(RatingRow.created_at >= since)
            return [_rating(r) for r in s.scalars(query)]

        return self._run(work)

    def add_photo(self, photo: Photo) -> Photo:
        def work(s: Session) -> Photo:
            s.add(PhotoRow(id=photo.id, sender_id=photo.sender_id,
                           content_type=photo.content_type, data=photo.data, width=photo.width,
                           height=photo.height, created_at=photo.created_at,
                           case_ref=photo.case_ref))
            return photo

        return self._run(work)

    def get_photo(self, photo_id: str) -> Photo | None:
        def work(s: Session) -> Photo | None:
            row = s.get(PhotoRow, photo_id)
            return _photo(row) if row is not None else None

        return self._run(work)

    def photos_for_sender(self, sender_id: str) -> list[Photo]:
        def work(s: Session) -> list[Photo]:
            rows = s.scalars(select(PhotoRow).where(PhotoRow.sender_id == sender_id)
                             .order_by(PhotoRow.created_at, PhotoRow.id))
            return [_photo(r) for r in rows]

        return self._run(work)

    def link_photos(self, sender_id: str, case_ref: str) -> int:
        def work(s: Session) -> int:
            result = s.execute(update(PhotoRow)
                               .where(PhotoRow.sender_id == sender_id, PhotoRow.case_ref == "")
                               .values(case_ref=case_ref))
            return int(result.rowcount or 0)

        return self._run(work)


def _photo(row: PhotoRow) -> Photo:
    return Photo(id=row.id, sender_id=row.sender_id, content_type=row.content_type,
                 data=bytes(row.data), width=row.width, height=row.height,
                 created_at=_aware(row.created_at), case_ref=row.case_ref or "")


def _rating(row: RatingRow) -> Rating:
    return Rating(id=row.id, sender_id=row.sender_id, score=row.score,
                  created_at=_aware(row.created_at), agent=row.agent or "",
                  topic=row.topic or "", comment=row.comment or "")
