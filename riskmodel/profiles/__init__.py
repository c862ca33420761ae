"""Bundled example exchange profiles (TOML files).

Load them with :func:`riskmodel.profile.example_profile`.
"""
