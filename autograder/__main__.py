import sys

from . import startup  # noqa: F401  (first: process settings before anything heavy is imported)
from .cli import main

sys.exit(main())
