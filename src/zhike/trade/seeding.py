"""Generated ledgers for the demo and for tests at scale: contracts with product lines,
an invoice per contract, payments mostly on time."""

import random
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from .models import Invoice, Order, OrderLine, Payment

CATEGORIES = {  # category → (products, unit, list price per unit)
    "粮油": (("一级大豆油", "东北大米", "高筋面粉"), "吨", 6000),
    "蔬菜": (("山东大葱", "寿光黄瓜", "土豆"), "吨", 2500),
    "水果": (("赣南脐橙", "烟台苹果", "海南香蕉"), "吨", 5200),
    "冻品": (("冷冻鸡翅", "速冻水饺", "带鱼"), "吨", 14000),
    "调味品": (("酱油", "陈醋", "蚝油"), "箱", 120),
}


def seed_ledger(
    rng: random.Random, customer_ids: Sequence[int], *, today: date, months: int = 24
) -> int:
    """Give each customer 0–8 contracts over the last ``months``; returns contracts made.
    A customer keeps to one or two categories and a size of its own, as real ones do."""
    orders: list[Order] = []
    pending_lines: list[tuple[int, OrderLine]] = []
    for customer_id in customer_ids:
        scale = rng.choice([0.2, 0.5, 1, 1, 2, 5, 12])
        categories = rng.sample(sorted(CATEGORIES), k=rng.choice([1, 1, 2]))
        for _ in range(rng.choice([0, 1, 2, 3, 4, 6, 8])):
            signed = today - timedelta(days=rng.randint(0, months * 30))
            order = Order(
                customer_id=customer_id,
                number=f"DEMO-{customer_id}-{len(orders)}",
                signed_on=signed,
            )
            orders.append(order)
            for _line in range(rng.randint(1, 3)):
                category = rng.choice(categories)
                products, unit, list_price = CATEGORIES[category]
                quantity = Decimal(max(1, round(rng.uniform(5, 60) * scale)))
                price = Decimal(list_price * rng.uniform(0.95, 1.15)).quantize(Decimal("0.01"))
                line = OrderLine(
                    customer_id=customer_id,
                    signed_on=signed,
                    product=rng.choice(products),
                    category=category,
                    quantity=quantity,
                    unit=unit,
                    list_price=Decimal(list_price),
                    price=price,
                    amount=(quantity * price).quantize(Decimal("0.01")),
                )
                pending_lines.append((len(orders) - 1, line))
    Order.objects.bulk_create(orders, batch_size=2000)
    totals: dict[int, Decimal] = {}
    for index, line in pending_lines:
        line.order = orders[index]
        totals[index] = totals.get(index, Decimal(0)) + line.amount
    OrderLine.objects.bulk_create([line for _i, line in pending_lines], batch_size=2000)
    invoices, payments = [], []
    for index, order in enumerate(orders):
        amount = totals[index]
        order.amount = amount
        due = order.signed_on + timedelta(days=30)
        outcome = rng.random()
        paid_on = (
            None
            if outcome < 0.05
            else due + timedelta(days=rng.randint(5, 40))
            if outcome < 0.15
            else due - timedelta(days=rng.randint(0, 20))
        )
        if paid_on is not None and paid_on > today:
            paid_on = None
        invoices.append(
            Invoice(
                customer_id=order.customer_id,
                order=order,
                number=f"FP-{order.number}",
                issued_on=order.signed_on,
                due_on=due,
                amount=amount,
                paid_amount=amount if paid_on else Decimal(0),
                paid_on=paid_on,
            )
        )
        if paid_on is not None:
            payments.append(
                Payment(customer_id=order.customer_id, received_on=paid_on, amount=amount)
            )
    Order.objects.bulk_update(orders, ["amount"], batch_size=2000)
    Invoice.objects.bulk_create(invoices, batch_size=2000)
    Payment.objects.bulk_create(payments, batch_size=2000)
    return len(orders)
