"""The one-off experiments of the papers: training runs and sweeps whose outcome is compared
with a printed figure or with a sentence about one (Figure 1, Section 5.1, ...).

Everything a claim asserts as a relation with a bound lives in the paper's data files
(``verify/papers/*.toml``) or in the generic check factories (``verify/checks``); what is here
is an experiment the claim language does not describe: one module per paper
(``verify/experiments/<paper key>.py``), each factory a small function whose docstring names the
paper's locator and says which numbers decide it.
"""
