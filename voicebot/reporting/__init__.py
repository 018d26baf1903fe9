"""Reporting: the service's figures (GOV.UK's four and the operational ones) and their export."""
