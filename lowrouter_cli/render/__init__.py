"""Output: rich on a terminal, plain text in a pipe, chosen from the Environment.

Answers go to stdout; footers, warnings and errors to stderr."""
