"""Paying a submission's fee online, and whether a case still waits for that payment.

A resident who chose オンライン決済 pays once the case reaches a state that a ``requires: [paid]`` transition
leaves (juminhyo: after 決裁, before 交付). Paying creates a checkout at the provider for the fee stored with
the submission, never an amount from the request; coming back, the provider is asked what happened (a
status lookup), so a replayed, forged or tampered return changes nothing. Both steps lock the submission, so
a double click or a reload acts once. Nothing here logs personal data: ids and references only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.catalog.methods import PaymentMethod
from portal.japan import jst
from portal.messages import N_, Message
from portal.models import Payment, PaymentStatus, Submission
from portal.payments import CheckoutState, CheckoutStatus, PaymentProvider, ProviderError, ReturnNotVerified
from portal.procedures import Procedures
from portal.services import deadlines
from portal.workflow import Condition, WorkflowDefinition

log = logging.getLogger(__name__)


class PaymentRefused(Exception):
    """Nothing was paid or recorded; ``reason`` is shown to the resident."""

    def __init__(self, reason: Message) -> None:
        super().__init__(reason.msgid)
        self.reason = reason


class Returned(Enum):
    """What a return from the provider established."""

    PAID = "paid"  # paid just now
    ALREADY_PAID = "already_paid"  # a reload or a replay: recorded before
    CANCELLED = "cancelled"
    NOT_PAID = "not_paid"  # the checkout is still open at the provider


ALREADY_PAID = Message(N_("お支払いは既に完了しています。"))
UNAVAILABLE = Message(N_("オンライン決済は現在ご利用いただけません。お問い合わせ先にご連絡ください。"))
UNREACHABLE = Message(N_("決済サービスに接続できませんでした。時間をおいてもう一度お試しください。"))
UNKNOWN_RETURN = Message(
    N_("このお支払いを確認できませんでした。「申請した手続き」の画面からもう一度お支払いください。")
)
MISMATCH = Message(
    N_("決済サービスの金額が手数料と一致しないため、お支払いを記録できませんでした。お問い合わせ先にご連絡ください。")
)


def awaits_payment(workflow: WorkflowDefinition, state: str) -> bool:
    """Whether ``state`` is where a fee is paid online: a transition leaving it ``requires: [paid]``."""
    return not workflow.is_final(state) and any(Condition.PAID in t.requires for t in workflow.outgoing(state))


def pays_online(submission: Submission) -> bool:
    return submission.payment_method is PaymentMethod.ONLINE and bool(submission.fee)


def payments_of(session: Session, submission: Submission) -> list[Payment]:
    """Every checkout made for the submission, oldest first (for the staff's case page)."""
    query = select(Payment).filter_by(submission_id=submission.id).order_by(Payment.id)
    return list(session.scalars(query))


def paid_payment(session: Session, submission: Submission) -> Payment | None:
    """The payment of exactly the stored fee that the provider confirmed, if any."""
    return session.scalars(
        select(Payment).filter_by(submission_id=submission.id, status=PaymentStatus.PAID, amount=submission.fee)
    ).one_or_none()


def payment_facts(session: Session, submission: Submission) -> frozenset[Condition]:
    """PAID unless an online payment is outstanding (see ``Condition.PAID``)."""
    if not pays_online(submission) or paid_payment(session, submission) is not None:
        return frozenset({Condition.PAID})
    return frozenset()


@dataclass(frozen=True)
class PaymentState:
    """What the resident's application page says about paying."""

    online: bool  # the resident chose online payment of a fee
    due: bool  # they may pay now
    paid: Payment | None


class PaymentService:
    """``provider`` is the configured one, or None when the deployment has none."""

    def __init__(self, session: Session, procedures: Procedures, provider: PaymentProvider | None) -> None:
        self.session = session
        self.procedures = procedures
        self.provider = provider

    def state(self, submission: Submission) -> PaymentState:
        paid = paid_payment(self.session, submission) if pays_online(submission) else None
        workflow = self.procedures.case(submission).workflow
        due = pays_online(submission) and paid is None and awaits_payment(workflow, submission.state)
        return PaymentState(online=pays_online(submission), due=due, paid=paid)

    def start(self, submission: Submission, return_url: str) -> str:
        """Where to send the resident's browser to pay the stored fee: a new checkout, or the open one a
        double click or an earlier visit left (so one fee never has two payable checkouts)."""
        provider = self._provider()
        self._lock(submission)
        state = self.state(submission)
        if state.paid is not None:
            raise PaymentRefused(ALREADY_PAID)
        if not state.due:
            raise PaymentRefused(Message(N_("この申請には、現在オンラインでお支払いいただく手数料はありません。")))
        pending = self.session.scalars(
            select(Payment)
            .filter_by(submission_id=submission.id, provider=provider.name, status=PaymentStatus.PENDING)
            .order_by(Payment.id.desc())
        ).first()
        try:
            if pending is not None and pending.amount == submission.fee:
                status = provider.status(pending.provider_reference)
                if status.state is CheckoutState.OPEN:
                    return status.redirect_url
                self._record(submission, pending, status)
                if pending.status is PaymentStatus.PAID:
                    raise PaymentRefused(ALREADY_PAID)
            assert submission.fee is not None  # pays_online
            checkout = provider.create_checkout(submission.fee, _reference(submission), return_url)
        except ProviderError as error:
            log.warning("payment provider failed for submission %s: %s", submission.id, error)
            raise PaymentRefused(UNREACHABLE) from None
        self.session.add(
            Payment(
                submission_id=submission.id,
                municipality_code=submission.municipality_code,
                provider=provider.name,
                provider_reference=checkout.id,
                amount=submission.fee,
                status=PaymentStatus.PENDING,
            )
        )
        self.session.flush()
        return checkout.redirect_url

    def finish(self, submission: Submission, params: dict[str, str]) -> Returned:
        """Record what the provider says of the checkout a returning browser names in ``params``.

        Only a checkout this submission created is looked at, and only the provider's answer counts; a
        payment already paid or cancelled is left as it is.
        """
        provider = self._provider()
        self._lock(submission)
        payment = self.session.scalars(
            select(Payment).filter_by(
                submission_id=submission.id, provider=provider.name, provider_reference=params.get("checkout", "")
            )
        ).one_or_none()
        if payment is None:
            raise PaymentRefused(UNKNOWN_RETURN)
        if payment.status is not PaymentStatus.PENDING:
            return Returned.ALREADY_PAID if payment.status is PaymentStatus.PAID else Returned.CANCELLED
        try:
            status = provider.verify_return(payment.provider_reference, params)
        except ReturnNotVerified:
            raise PaymentRefused(UNKNOWN_RETURN) from None
        except ProviderError as error:
            log.warning("payment provider failed for submission %s: %s", submission.id, error)
            raise PaymentRefused(UNREACHABLE) from None
        self._record(submission, payment, status)
        return {
            PaymentStatus.PAID: Returned.PAID,
            PaymentStatus.CANCELLED: Returned.CANCELLED,
            PaymentStatus.PENDING: Returned.NOT_PAID,
        }[payment.status]

    def _record(self, submission: Submission, payment: Payment, status: CheckoutStatus) -> None:
        """Move a pending payment to what the provider says, refusing a paid checkout for another amount or case."""
        if status.state is CheckoutState.PAID:
            if not (status.amount == payment.amount == submission.fee and status.reference == _reference(submission)):
                log.warning("payment %s: the provider's amount or reference differs; not recorded", payment.id)
                raise PaymentRefused(MISMATCH)
            payment.status = PaymentStatus.PAID
            # the case no longer waits for the resident: the 期限日's clock runs again from today
            workflow = self.procedures.case(submission).workflow
            deadlines.payment_confirmed(self.session, submission, workflow, jst.today())
        elif status.state is CheckoutState.CANCELLED:
            payment.status = PaymentStatus.CANCELLED
        else:
            return
        payment.settled_at = jst.now()
        self.session.flush()

    def _provider(self) -> PaymentProvider:
        if self.provider is None:
            raise PaymentRefused(UNAVAILABLE)
        return self.provider

    def _lock(self, submission: Submission) -> None:
        """Payments of one submission take turns (PostgreSQL row lock; SQLite serialises writers)."""
        self.session.execute(select(Submission.id).filter_by(id=submission.id).with_for_update())


def _reference(submission: Submission) -> str:
    """The portal's reference for the provider: which municipality's which 受付番号."""
    return f"{submission.municipality_code}-{submission.reference}"
