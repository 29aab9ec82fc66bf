"""Helpers the tests share: one place for each (signals with known shapes, stores with known content)."""
