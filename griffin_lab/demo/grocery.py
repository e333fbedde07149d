"""A deterministic, Instacart-like grocery dataset.

Tables: ``departments``, ``aisles``, ``products``, ``users``, ``orders`` and
``order_products`` (with the ``reordered`` label: 1 when the user bought that product in an
earlier order). Every order has an ``event_timestamp`` so features can be computed point in
time. The same ``(n_users, seed)`` always gives the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput

if TYPE_CHECKING:
    import pandas as pd

GENERATOR_VERSION = 1
SIZES: dict[str, int] = {"tiny": 200, "small": 2_000, "medium": 20_000, "large": 200_000}
START = "2026-01-05"

DEPARTMENTS: dict[str, dict[str, list[str]]] = {
    "produce": {
        "fresh fruits": ["Bananas", "Strawberries", "Avocado", "Blueberries", "Lemons", "Apples"],
        "fresh vegetables": ["Spinach", "Broccoli", "Carrots", "Red Onion", "Zucchini", "Kale"],
        "fresh herbs": ["Cilantro", "Basil", "Parsley", "Mint"],
    },
    "dairy eggs": {
        "milk": ["Whole Milk", "Oat Milk", "Almond Milk", "Skim Milk"],
        "yogurt": ["Greek Yogurt", "Vanilla Yogurt", "Plain Kefir"],
        "eggs": ["Large Brown Eggs", "Pasture Raised Eggs"],
        "cheese": ["Cheddar", "Mozzarella", "Parmesan", "Feta"],
    },
    "bakery": {"bread": ["Sourdough Bread", "Whole Wheat Bread", "Bagels", "Tortillas"]},
    "beverages": {
        "water seltzer": ["Sparkling Water", "Spring Water", "Lime Seltzer"],
        "coffee": ["Ground Coffee", "Cold Brew", "Espresso Beans"],
        "juice": ["Orange Juice", "Apple Juice", "Green Juice"],
    },
    "snacks": {
        "chips": ["Tortilla Chips", "Potato Chips", "Pita Chips"],
        "nuts": ["Almonds", "Cashews", "Trail Mix"],
        "cookies": ["Chocolate Chip Cookies", "Oat Cookies"],
    },
    "frozen": {
        "frozen meals": ["Frozen Pizza", "Burritos", "Dumplings"],
        "ice cream": ["Vanilla Ice Cream", "Mango Sorbet"],
    },
    "pantry": {
        "pasta": ["Spaghetti", "Penne", "Macaroni"],
        "baking": ["Flour", "Brown Sugar", "Baking Soda"],
        "oils vinegars": ["Olive Oil", "Balsamic Vinegar"],
    },
    "meat seafood": {
        "poultry": ["Chicken Breast", "Ground Turkey"],
        "seafood": ["Salmon Fillet", "Shrimp"],
    },
    "household": {"cleaning": ["Dish Soap", "Paper Towels", "Laundry Detergent"]},
    "babies": {"baby food": ["Apple Puree", "Oat Cereal"]},
    "pets": {"pet food": ["Dog Food", "Cat Treats"]},
}
BRANDS = ["Organic", "Harvest", "Everyday", "Green Valley", "Sunny Farm", "Urban", "Classic"]


@dataclass(frozen=True)
class GroceryData:
    departments: pd.DataFrame
    aisles: pd.DataFrame
    products: pd.DataFrame
    users: pd.DataFrame
    orders: pd.DataFrame
    order_products: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def row_counts(self) -> dict[str, int]:
        return {name: len(df) for name, df in self.tables().items()}

    def fingerprint(self) -> str:
        """A content hash of every table (same data, same fingerprint)."""
        import pandas as pd

        digest = hashlib.sha256()
        for name, df in self.tables().items():
            digest.update(name.encode())
            digest.update(pd.util.hash_pandas_object(df, index=False).values.tobytes())
        return digest.hexdigest()


def resolve_size(size: int | str) -> int:
    if isinstance(size, str):
        if size.isdigit():
            size = int(size)
        elif size in SIZES:
            return SIZES[size]
        else:
            raise InvalidInput(
                f"Unknown demo size {size!r}: use one of {', '.join(SIZES)} or a number of users",
                field="size",
            )
    if not 10 <= size <= 2_000_000:
        raise InvalidInput("The demo needs between 10 and 2,000,000 users", field="size")
    return size


def _catalogue(rng: Any, n_products: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    import pandas as pd

    departments = pd.DataFrame(
        {"department_id": range(1, len(DEPARTMENTS) + 1), "department": list(DEPARTMENTS)}
    )
    aisle_rows, items = [], []
    for dept_id, (_, aisles) in enumerate(DEPARTMENTS.items(), start=1):
        for aisle, names in aisles.items():
            aisle_id = len(aisle_rows) + 1
            aisle_rows.append((aisle_id, aisle, dept_id))
            items.extend((name, aisle_id, dept_id) for name in names)
    aisles = pd.DataFrame(aisle_rows, columns=["aisle_id", "aisle", "department_id"])
    pick = rng.integers(0, len(items), n_products)
    brand = rng.integers(0, len(BRANDS), n_products)
    names, seen = [], {}
    for i, b in zip(pick, brand, strict=True):
        base = f"{BRANDS[b]} {items[i][0]}"
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base} No. {seen[base]}")
    products = pd.DataFrame(
        {
            "product_id": range(1, n_products + 1),
            "product_name": names,
            "aisle_id": [items[i][1] for i in pick],
            "department_id": [items[i][2] for i in pick],
            "price": rng.gamma(2.0, 2.5, n_products).round(2) + 0.49,
        }
    )
    return departments, aisles, products


def generate(size: int | str = "small", seed: int = 42) -> GroceryData:
    """Generate the dataset in memory (``small``, 2,000 users, takes about a second)."""
    import numpy as np
    import pandas as pd

    n_users = resolve_size(size)
    rng = np.random.default_rng(seed)
    n_products = int(min(50_000, max(200, n_users // 2)))
    departments, aisles, products = _catalogue(rng, n_products)

    # Popularity follows a Zipf-like law; each user has a personal pool of favourites.
    popularity = 1.0 / np.arange(1, n_products + 1) ** 0.9
    popularity = rng.permutation(popularity)
    popularity /= popularity.sum()
    pool_size = 24
    pools = rng.choice(n_products, size=(n_users, pool_size), p=popularity) + 1
    loyalty = rng.beta(5, 3, n_users)  # share of items from the personal pool

    users = pd.DataFrame(
        {
            "user_id": np.arange(1, n_users + 1),
            "signup_date": pd.Timestamp(START) - pd.to_timedelta(
                rng.integers(30, 900, n_users), unit="D"
            ),
            "household_size": rng.integers(1, 6, n_users),
        }
    )

    n_orders = rng.integers(4, 26, n_users)
    user_of_order = np.repeat(np.arange(1, n_users + 1), n_orders)
    total_orders = len(user_of_order)
    first_index = np.repeat(np.cumsum(n_orders) - n_orders, n_orders)
    order_number = np.arange(total_orders) - first_index + 1
    gaps = np.minimum(30, rng.geometric(0.11, total_orders)).astype(float)
    gaps[order_number == 1] = np.nan
    start_day = np.repeat(rng.integers(0, 45, n_users), n_orders)
    day = start_day + pd.Series(np.nan_to_num(gaps)).groupby(user_of_order).cumsum().to_numpy()
    hour = rng.choice(np.arange(24), total_orders, p=_hour_weights())
    timestamps = (
        pd.Timestamp(START, tz="UTC")
        + pd.to_timedelta(day, unit="D")
        + pd.to_timedelta(hour, unit="h")
        + pd.to_timedelta(rng.integers(0, 3600, total_orders), unit="s")
    )
    last = order_number == np.repeat(n_orders, n_orders)
    orders = pd.DataFrame(
        {
            "order_id": np.arange(1, total_orders + 1),
            "user_id": user_of_order,
            "order_number": order_number,
            "order_dow": timestamps.dayofweek.to_numpy(),
            "order_hour_of_day": hour,
            "days_since_prior_order": gaps,
            "eval_set": np.where(last, "train", "prior"),
            "event_timestamp": timestamps,
        }
    )

    basket = 1 + rng.poisson(np.repeat(rng.uniform(4, 12, n_users), n_orders))
    order_of_item = np.repeat(orders["order_id"].to_numpy(), basket)
    user_of_item = np.repeat(user_of_order, basket)
    from_pool = rng.random(len(order_of_item)) < loyalty[user_of_item - 1]
    pool_pick = pools[user_of_item - 1, rng.integers(0, pool_size, len(order_of_item))]
    global_pick = rng.choice(n_products, size=len(order_of_item), p=popularity) + 1
    items = pd.DataFrame(
        {
            "order_id": order_of_item,
            "product_id": np.where(from_pool, pool_pick, global_pick),
            "user_id": user_of_item,
        }
    ).drop_duplicates(["order_id", "product_id"], ignore_index=True)
    items["add_to_cart_order"] = items.groupby("order_id").cumcount() + 1
    # Orders are numbered in time order per user, so an earlier (user, product) row means reorder.
    items["reordered"] = items.duplicated(["user_id", "product_id"]).astype("int8")
    items["event_timestamp"] = orders["event_timestamp"].to_numpy()[items["order_id"] - 1]
    order_products = items[
        ["order_id", "product_id", "add_to_cart_order", "reordered", "event_timestamp"]
    ]
    return GroceryData(departments, aisles, products, users, orders, order_products)


def _hour_weights() -> Any:
    import numpy as np

    hours = np.arange(24)
    weights = np.exp(-((hours - 11) ** 2) / 18) + 0.6 * np.exp(-((hours - 17) ** 2) / 10) + 0.02
    return weights / weights.sum()


def dataset_dir(home: Path) -> Path:
    return home / "demo" / "grocery"


def default_size(home: Path) -> int | str:
    """The size to use when none is given: the dataset already there, else
    ``GRIFFIN_DEMO_SIZE``, else ``small``. Notebooks rely on this to never replace data."""
    import os

    manifest = dataset_dir(home) / "manifest.json"
    if manifest.is_file():
        try:
            return int(json.loads(manifest.read_text())["n_users"])
        except (ValueError, KeyError):
            pass
    return os.environ.get("GRIFFIN_DEMO_SIZE", "small")


def write(
    home: Path, size: int | str = "small", seed: int = 42, *, force: bool = False
) -> tuple[dict[str, Any], bool]:
    """Write the dataset as parquet under ``home/demo/grocery``.

    Idempotent: when a dataset of the same size, seed and generator version is already there,
    nothing is rewritten. Returns the manifest and whether anything was written.
    """
    n_users = resolve_size(size)
    target = dataset_dir(home)
    manifest_path = target / "manifest.json"
    wanted = {"n_users": n_users, "seed": seed, "generator_version": GENERATOR_VERSION}
    if manifest_path.is_file() and not force:
        try:
            manifest = json.loads(manifest_path.read_text())
        except ValueError:
            manifest = {}
        present = all((target / f"{t}.parquet").is_file() for t in manifest.get("tables", {}))
        if present and all(manifest.get(k) == v for k, v in wanted.items()):
            return manifest, False
    data = generate(n_users, seed)
    target.mkdir(parents=True, exist_ok=True)
    staging = target / ".staging"
    staging.mkdir(exist_ok=True)
    for name, df in data.tables().items():
        df.to_parquet(staging / f"{name}.parquet", index=False)
    for name in data.tables():  # move into place only once every table is written
        (staging / f"{name}.parquet").replace(target / f"{name}.parquet")
    staging.rmdir()
    manifest = {**wanted, "tables": data.row_counts(), "fingerprint": data.fingerprint()}
    tmp = manifest_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2))
    tmp.replace(manifest_path)
    return manifest, True


def load(home: Path) -> GroceryData:
    """Read the dataset written by :func:`write`."""
    import pandas as pd

    target = dataset_dir(home)
    if not (target / "manifest.json").is_file():
        raise InvalidInput(f"No demo data under {target}: run `griffin demo` first")
    return GroceryData(
        **{f.name: pd.read_parquet(target / f"{f.name}.parquet") for f in fields(GroceryData)}
    )
