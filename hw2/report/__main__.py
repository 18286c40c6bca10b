"""``python -m hw2.report``: build the report (see :mod:`hw2.report`)."""
import sys

from . import main

sys.exit(main())
