from alice_tui.cli import main

raise SystemExit(main())
