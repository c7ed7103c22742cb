"""`python -m local_api`: see local_api.app."""

from local_api.app import main

raise SystemExit(main())
