"""Development payment provider: a fake checkout page where 「支払う」 and 「キャンセル」 send the resident back.

It plays a card payment service for local use and tests, takes no card data, moves no money, and refuses
to run in production.
"""

from portal.devpay.app import ProductionRefusedError, create_payment_app

__all__ = ["ProductionRefusedError", "create_payment_app"]
