"""Incidents: a spike of one problem from many merchants, detected, grouped and answered once."""
