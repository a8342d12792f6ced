import sys

from hoopsim.cli import main

sys.exit(main())
