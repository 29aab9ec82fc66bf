"""`python -m device.cli ...`: the same as the `smartdowel` command (the export job runs it so)."""
import sys

from device.cli.main import main

sys.exit(main())
