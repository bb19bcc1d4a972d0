"""Fixed reference data for generated worlds: warehouses, places, names and a product catalog."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from tools.connectors.sandbox.world import Product, Warehouse

WAREHOUSES = [
    Warehouse(id="WH-EAST", name="Newark, NJ", timezone="America/New_York", cutoff_local=time(15, 0),
              carriers=["ups", "usps", "fedex"]),
    Warehouse(id="WH-CENTRAL", name="Dallas, TX", timezone="America/Chicago", cutoff_local=time(16, 0),
              carriers=["ups", "fedex"]),
    Warehouse(id="WH-WEST", name="Reno, NV", timezone="America/Los_Angeles", cutoff_local=time(14, 0),
              carriers=["usps", "ups"]),
]

# Real city / state / ZIP combinations, so address validation sees consistent data.
PLACES = [
    ("New York", "NY", "10001", "WH-EAST"), ("Brooklyn", "NY", "11201", "WH-EAST"),
    ("Boston", "MA", "02115", "WH-EAST"), ("Philadelphia", "PA", "19103", "WH-EAST"),
    ("Baltimore", "MD", "21201", "WH-EAST"), ("Atlanta", "GA", "30303", "WH-EAST"),
    ("Miami", "FL", "33130", "WH-EAST"), ("Charlotte", "NC", "28202", "WH-EAST"),
    ("Chicago", "IL", "60614", "WH-CENTRAL"), ("Houston", "TX", "77002", "WH-CENTRAL"),
    ("Austin", "TX", "78701", "WH-CENTRAL"), ("Dallas", "TX", "75201", "WH-CENTRAL"),
    ("Denver", "CO", "80202", "WH-CENTRAL"), ("Minneapolis", "MN", "55401", "WH-CENTRAL"),
    ("Kansas City", "MO", "64105", "WH-CENTRAL"), ("Nashville", "TN", "37203", "WH-CENTRAL"),
    ("Seattle", "WA", "98101", "WH-WEST"), ("Portland", "OR", "97205", "WH-WEST"),
    ("San Francisco", "CA", "94103", "WH-WEST"), ("Los Angeles", "CA", "90012", "WH-WEST"),
    ("San Diego", "CA", "92101", "WH-WEST"), ("Phoenix", "AZ", "85004", "WH-WEST"),
    ("Las Vegas", "NV", "89101", "WH-WEST"), ("Salt Lake City", "UT", "84111", "WH-WEST"),
]
STREETS = [
    "Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Elm St", "Washington Blvd", "Lake Shore Dr",
    "Park Ave", "Sunset Blvd", "River Rd", "Highland Ave", "Church St", "Mill Rd", "Jefferson St",
]
FIRST_NAMES = [
    "Ava", "Liam", "Maya", "Noah", "Sofia", "Ethan", "Isabel", "Lucas", "Amara", "Mateo", "Chloe", "Omar",
    "Hannah", "Diego", "Priya", "Samuel", "Yara", "Leo", "Grace", "Kenji", "Zoe", "Elijah", "Nora", "Ravi",
]
LAST_NAMES = [
    "Garcia", "Smith", "Nguyen", "Johnson", "Patel", "Brown", "Kim", "Lopez", "Okafor", "Miller", "Rossi",
    "Chen", "Davis", "Silva", "Khan", "Wilson", "Moore", "Haddad", "Taylor", "Novak",
]
_PRODUCTS = [
    ("Trail Running Shoe", "45.00"), ("Merino Crew Sock 3-pack", "24.00"), ("Rain Shell Jacket", "129.00"),
    ("Insulated Water Bottle", "32.00"), ("Canvas Tote", "28.00"), ("Wireless Earbuds", "89.00"),
    ("Desk Lamp", "54.00"), ("Ceramic Pour-Over Set", "42.00"), ("Yoga Mat", "38.00"),
    ("Cast Iron Skillet", "49.00"), ("Linen Duvet Cover", "159.00"), ("Mechanical Keyboard", "119.00"),
    ("Smart Thermostat", "179.00"), ("Hiking Backpack 30L", "99.00"), ("Espresso Grinder", "229.00"),
    ("Bluetooth Speaker", "69.00"), ("Office Chair", "289.00"), ("Standing Desk Frame", "399.00"),
    ("Down Puffer Vest", "139.00"), ("Chef's Knife", "79.00"),
]
SIZES = ["S", "M", "L"]


def products() -> list[Product]:
    out = []
    for i, (name, price) in enumerate(_PRODUCTS):
        for j, size in enumerate(SIZES[: 2 if i % 2 else 3]):
            out.append(
                Product(sku=f"SKU-{i + 1:03d}-{size}", product_id=f"P{i + 1:03d}", name=name,
                        price=Decimal(price) + j * 2, options={"size": size})
            )
    return out


SOFT_DECLINES = ["insufficient_funds", "processing_error", "try_again_later", "issuer_not_available"]
HARD_DECLINES = ["stolen_card", "lost_card", "fraudulent", "pickup_card", "invalid_account"]
