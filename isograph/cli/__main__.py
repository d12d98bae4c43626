"""``python -m isograph.cli``."""

from . import main

raise SystemExit(main())
