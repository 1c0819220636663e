from confessions.cli import main

main()
