"""The sandbox commerce world on Postgres (schema `sandbox`): the default system of record."""
