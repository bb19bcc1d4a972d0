"""The weekly root-cause report: figures (weekly.py) and their renderings (render.py)."""
