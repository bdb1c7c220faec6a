"""pytest plugin for mutmut's runs only (`-p scripts.mutmut_pytest` in [tool.mutmut]): hypothesis
without its 200 ms deadline and with fixed examples, so a test fails for the mutant and never for
a loaded machine or an unlucky draw, and a rerun gives the same verdict."""

from hypothesis import settings

settings.register_profile("mutmut", deadline=None, derandomize=True, database=None)
settings.load_profile("mutmut")
