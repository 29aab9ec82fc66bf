"""The Pygame screens: they read the view model and draw it, nothing else."""
import os
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # stdout carries event lines, not banners
