"""triage: triage merchant support tickets safely."""
