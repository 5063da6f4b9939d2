"""The web layer: Flask glue (sessions, security, errors, i18n, templating) and one blueprint per audience.

Nothing in the domain core imports from here.
"""
