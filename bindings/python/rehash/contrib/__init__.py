"""Integrations with frameworks: rehash.contrib.django."""
