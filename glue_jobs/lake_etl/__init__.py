"""Placeholder of the ETL library, so the catalog stack can package it; the real package replaces it."""
