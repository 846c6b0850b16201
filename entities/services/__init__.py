"""Writes of the entities app. One transaction per business action; history rows record who."""
