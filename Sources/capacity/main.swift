import CapacityLedger

CapacityCommand.main()
