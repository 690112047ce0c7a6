from signalbrief.cli import main

main()
