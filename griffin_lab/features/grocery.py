"""Grocery features computed from the demo dataset, and the demo seeder of the feature store.

Every feature row is stamped with the time it became known and uses only earlier orders, so
point-in-time joins never leak the future: the row for a user's k-th order describes orders
1..k-1.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .spec import FeatureColumn, FeatureServiceSpec, SourceSpec

if TYPE_CHECKING:
    import pandas as pd

    from ..demo.grocery import GroceryData
    from ..platform import Platform

OWNER = "grocery-ml@griffin.dev"
SERVICE = "reorder_model"


def user_features(data: GroceryData) -> pd.DataFrame:
    import numpy as np

    orders = data.orders.sort_values(["user_id", "order_number"])
    basket = data.order_products.groupby("order_id").size().rename("basket")
    reorders = data.order_products.groupby("order_id")["reordered"].sum().rename("reorders")
    o = orders.join(basket, on="order_id").join(reorders, on="order_id")
    g = o.groupby("user_id")
    prior_orders = g.cumcount()  # orders before this one
    prior_items = g["basket"].cumsum() - o["basket"]
    prior_reorders = g["reorders"].cumsum() - o["reorders"]
    gaps = o["days_since_prior_order"].fillna(0)
    prior_gap_sum = g["days_since_prior_order"].transform(
        lambda s: s.fillna(0).cumsum()) - gaps
    with np.errstate(divide="ignore", invalid="ignore"):
        out = o[["user_id", "event_timestamp"]].assign(
            orders_count=prior_orders.astype("int64"),
            avg_basket_size=(prior_items / prior_orders).where(prior_orders > 0),
            avg_days_between_orders=(prior_gap_sum / (prior_orders - 1)).where(prior_orders > 1),
            reorder_ratio=(prior_reorders / prior_items).where(prior_items > 0),
            days_since_last_order=o["days_since_prior_order"],
        )
    return out.reset_index(drop=True)


def product_features(data: GroceryData) -> pd.DataFrame:
    """Weekly snapshots of each product's popularity up to that week."""
    import pandas as pd

    items = data.order_products.assign(
        week=data.order_products["event_timestamp"].dt.floor("7D") + pd.Timedelta(days=7))
    weekly = items.groupby(["product_id", "week"]).agg(
        bought=("order_id", "size"), reordered=("reordered", "sum")).reset_index()
    weekly = weekly.sort_values(["product_id", "week"])
    g = weekly.groupby("product_id")
    weekly["times_purchased"] = g["bought"].cumsum()
    weekly["reorder_rate"] = g["reordered"].cumsum() / weekly["times_purchased"]
    total = weekly.groupby("week")["bought"].sum().cumsum()
    weekly["popularity_share"] = weekly["times_purchased"] / weekly["week"].map(total)
    products = data.products.set_index("product_id")
    weekly["aisle_id"] = weekly["product_id"].map(products["aisle_id"]).astype("int64")
    weekly["department_id"] = weekly["product_id"].map(products["department_id"]).astype("int64")
    weekly["price"] = weekly["product_id"].map(products["price"]).astype("float64")
    return weekly.rename(columns={"week": "event_timestamp"})[
        ["product_id", "event_timestamp", "times_purchased", "reorder_rate", "popularity_share",
         "aisle_id", "department_id", "price"]].reset_index(drop=True)


def user_product_features(data: GroceryData) -> pd.DataFrame:
    """After each purchase: how often this user bought this product, and when last."""
    items = data.order_products.merge(
        data.orders[["order_id", "user_id", "order_number"]], on="order_id")
    items = items.sort_values(["user_id", "product_id", "order_number"])
    g = items.groupby(["user_id", "product_id"])
    items["times_bought"] = (g.cumcount() + 1).astype("int64")
    items["last_order_number"] = items["order_number"].astype("int64")
    items["avg_cart_position"] = g["add_to_cart_order"].cumsum() / items["times_bought"]
    return items[["user_id", "product_id", "event_timestamp", "times_bought",
                  "last_order_number", "avg_cart_position"]].reset_index(drop=True)


def training_entities(data: GroceryData) -> pd.DataFrame:
    """The reorder model's entity rows: for each user's last ("train") order, every product
    the user bought before, labelled 1 if it was re-ordered; stamped just before the order."""
    import pandas as pd

    last = data.orders[data.orders["eval_set"] == "train"][["order_id", "user_id",
                                                            "event_timestamp"]]
    prior = data.orders[data.orders["eval_set"] == "prior"][["order_id", "user_id"]]
    bought = data.order_products.merge(prior, on="order_id")[["user_id", "product_id"]]
    candidates = bought.drop_duplicates().merge(last, on="user_id")
    in_last = data.order_products.merge(last[["order_id"]], on="order_id")[
        ["order_id", "product_id"]].assign(label=1)
    rows = candidates.merge(in_last, on=["order_id", "product_id"], how="left")
    rows["label"] = rows["label"].fillna(0).astype("int64")
    rows["event_timestamp"] = rows["event_timestamp"] - pd.Timedelta(seconds=1)
    return rows[["user_id", "product_id", "event_timestamp", "label"]].reset_index(drop=True)


SPECS: list[dict[str, Any]] = [
    {
        "name": "user_features", "entities": ["user_id"], "ttl": "120d",
        "description": "A shopper's ordering habits from all earlier orders.",
        "tags": {"domain": "grocery", "entity": "user", "pii": "false"},
        "features": [
            ("orders_count", "Orders placed before this point."),
            ("avg_basket_size", "Mean items per earlier order."),
            ("avg_days_between_orders", "Mean days between earlier orders."),
            ("reorder_ratio", "Share of earlier basket items that were re-orders."),
            ("days_since_last_order", "Days since the previous order."),
        ],
        "rules": [
            {"kind": "range", "column": "orders_count", "min": 0},
            {"kind": "range", "column": "reorder_ratio", "min": 0, "max": 1},
            {"kind": "range", "column": "days_since_last_order", "min": 0, "max": 30},
            {"kind": "unique", "columns": ["user_id", "event_timestamp"]},
        ],
    },
    {
        "name": "product_features", "entities": ["product_id"], "ttl": "180d",
        "description": "Weekly popularity snapshots of each product.",
        "tags": {"domain": "grocery", "entity": "product"},
        "features": [
            ("times_purchased", "Purchases so far."),
            ("reorder_rate", "Share of purchases that were re-orders."),
            ("popularity_share", "Share of all purchases so far."),
            ("aisle_id", "Aisle of the product."),
            ("department_id", "Department of the product."),
            ("price", "Shelf price in dollars."),
        ],
        "rules": [
            {"kind": "range", "column": "reorder_rate", "min": 0, "max": 1},
            {"kind": "range", "column": "price", "min": 0},
            {"kind": "unique", "columns": ["product_id", "event_timestamp"]},
        ],
    },
    {
        "name": "user_product_features", "entities": ["user_id", "product_id"], "ttl": "365d",
        "description": "How a shopper buys one product: count and recency.",
        "tags": {"domain": "grocery", "entity": "user_product"},
        "features": [
            ("times_bought", "Times this user bought this product so far."),
            ("last_order_number", "The user's order number of the latest purchase."),
            ("avg_cart_position", "Mean add-to-cart position of this product."),
        ],
        "rules": [{"kind": "range", "column": "times_bought", "min": 1}],
    },
]
BUILDERS = {"user_features": user_features, "product_features": product_features,
            "user_product_features": user_product_features}


def seed_features(platform: Platform, data_dir: Path) -> dict[str, Any]:
    """Idempotent: views that already exist are left alone; new ones are added, then the
    reorder feature service is (re)defined and everything is materialized."""
    from ..demo.grocery import load

    service = platform.features
    existing = {v.name for v in service.search().views}
    missing = [s for s in SPECS if s["name"] not in existing]
    added = []
    if missing:
        data = load(data_dir.parent.parent)
        staging = service.repo.path / "data" / "staging"
        staging.mkdir(parents=True, exist_ok=True)
        for spec in missing:
            path = staging / f"{spec['name']}.parquet"
            BUILDERS[spec["name"]](data).to_parquet(path, index=False)
            source = SourceSpec(
                name=spec["name"], path=str(path), entities=spec["entities"], ttl=spec["ttl"],
                owner=OWNER, description=spec["description"], tags=spec["tags"],
                features=[FeatureColumn(name=n, description=d) for n, d in spec["features"]],
                rules=spec["rules"],
            )
            service.add_source(source, actor="griffin demo")
            path.unlink()
            added.append(spec["name"])
    services = {s.name for s in service.services()}
    if added or SERVICE not in services:
        service.define_service(FeatureServiceSpec(
            name=SERVICE, description="Features of the grocery reorder model.", owner=OWNER,
            features=[s["name"] for s in SPECS], tags={"model": "reorder"},
        ), actor="griffin demo")
    from .schemas import MaterializeRequest

    result = service.materialize(MaterializeRequest(), actor="griffin demo")
    return {"views_added": added, "feature_service": SERVICE,
            "materialized": {v.feature_view: v.status for v in result.views}}
