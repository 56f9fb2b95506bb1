from arsum.cli import main

main()
