"""Deterministic demo data (an Instacart-like grocery dataset) and seeding of subsystems."""

from .grocery import SIZES, GroceryData, generate, load, write

__all__ = ["SIZES", "GroceryData", "generate", "load", "write"]
