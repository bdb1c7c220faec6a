"""lowrouter: command-line client for the LowRouter LLM gateway."""

__version__ = "0.1.0"
