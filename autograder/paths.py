"""Where the course's pieces live, relative to the repository root."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"
REFERENCE = SOLUTIONS / "mytorch"        # the reference library (instructor only)
STUBS = ROOT / "mytorch"                 # the student package, generated from REFERENCE
