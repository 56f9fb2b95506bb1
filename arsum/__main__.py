from arsum.cli.app import main

main()
