"""Scrapy spiders: one generic ``portal`` spider driven by source definitions."""
