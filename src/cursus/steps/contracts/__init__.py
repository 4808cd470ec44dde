"""Script contracts of the steps in this package. Import-light: the containers read their paths from here."""
