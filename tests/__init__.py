"""Tests mirror the packages; servers run for real on 127.0.0.1."""
