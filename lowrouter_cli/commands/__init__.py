"""Typer command groups (auth, config, ...), one small module each, registered on the app in cli.py;
`shared` declares the options every command takes."""
