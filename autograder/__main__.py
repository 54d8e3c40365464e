from . import startup  # first: process settings before anything heavy is imported
from .cli import main

startup.leave(main())
