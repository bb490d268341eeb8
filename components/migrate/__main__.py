"""`python -m components.migrate from-pulumi-libvirt EXPORT.json --stack NAME …`"""

import sys

from components.migrate.cli import main

sys.exit(main())
