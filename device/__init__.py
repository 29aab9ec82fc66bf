"""The appliance's logic in layers (core, store and view, export, app, selftest, cli); no hardware here."""
import os
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # stdout carries event lines, not banners
