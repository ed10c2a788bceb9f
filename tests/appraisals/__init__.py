"""Tests of the appraisal interview domain (scheduling, preparing, follow-up, statistics)."""
