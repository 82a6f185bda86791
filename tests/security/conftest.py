"""pytest glue for the attack suite: the integration tests' own.

meson copies sbtest.py and sbfixtures.py next to these files in the build
tree, so that run-pytest finds everything in one readable directory; run by
hand from the source tree, the integration directory is put on the import
path instead.
"""

import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if not os.path.exists(os.path.join(_here, 'sbtest.py')):
    sys.path.insert(0, os.path.join(os.path.dirname(_here), 'integration'))

from sbfixtures import (  # noqa: E402,F401  (pytest finds hooks and fixtures here)
    _needs_userns, host_state, pytest_report_header, pytest_sessionstart, tool)
