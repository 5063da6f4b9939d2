from portal.devidp.cli import main

raise SystemExit(main())
