from kad_spec.cli import main

main()
