"""The LowRouter gateway emulator: for trying the CLI offline and for the tests."""
